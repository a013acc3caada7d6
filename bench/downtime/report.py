"""Results of bench/downtime/run: JSON, CSV, gnuplot PNGs and a Markdown summary.

write_all(out, meta, runs, aggs) is the one entry point; everything here reads
the runs as recorded and computes nothing that is not written next to it.
"""
import csv
import json
import os
import shutil
import subprocess

MIB = 1 << 20
FLAT = ["workload", "size_mib", "pattern", "rate_mib", "mode", "transport", "precopy", "lz4",
        "repeat", "ok", "integrity", "downtime_ms", "client_downtime_ms", "freeze_ms", "restore_ms",
        "total_ms", "rounds", "stop_reason", "final_pages", "final_bytes", "wire_bytes", "wire_per_mem",
        "src_cpu_s", "dst_cpu_s", "src_maxrss_mib", "dst_maxrss_mib", "client_requests",
        "client_errors", "client_reconnects", "counter_errors", "wall_s", "load1", "error"]
METRICS = ["downtime_ms", "client_downtime_ms", "freeze_ms", "restore_ms", "total_ms", "rounds",
           "wire_per_mem", "src_cpu_s", "dst_cpu_s", "src_maxrss_mib", "dst_maxrss_mib"]


def fmt(v, nd=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return "%.*f" % (nd, v)
    return str(v)


def mmm(a, nd=1):
    """median (min–max) of an aggregate."""
    if not a:
        return "–"
    if a["n"] == 1:
        return fmt(a["median"], nd)
    return "%s (%s–%s)" % (fmt(a["median"], nd), fmt(a["min"], nd), fmt(a["max"], nd))


def write_all(out, meta, runs, aggs, args=None):
    os.makedirs(out, exist_ok=True)
    timelines = write_timelines(out, runs)
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "aggregates": aggs,
                   "runs": [{k: v for k, v in r.items() if k != "timeline"} for r in runs]}, f, indent=1)
    with open(os.path.join(out, "runs.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FLAT)
        for r in runs:
            w.writerow([r.get(k) for k in FLAT])
    with open(os.path.join(out, "rounds.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["workload", "size_mib", "pattern", "rate_mib", "mode", "repeat", "round", "final",
                    "dirty_pages", "pages", "zero_pages", "bytes", "duration_ms"])
        for r in runs:
            for x in r.get("per_round", []):
                w.writerow([r["workload"], r["size_mib"], r["pattern"], r["rate_mib"], r["mode"], r["repeat"],
                            x["round"], False, x["dirty_pages"], x["pages"], x["zero_pages"], x["bytes"],
                            x["duration_ms"]])
            if r.get("ok"):
                w.writerow([r["workload"], r["size_mib"], r["pattern"], r["rate_mib"], r["mode"], r["repeat"],
                            r["rounds"], True, r["final_pages"], r["final_pages"], "", r["final_bytes"], ""])
    with open(os.path.join(out, "summary.csv"), "w", newline="") as f:
        w = csv.writer(f)
        head = ["workload", "size_mib", "pattern", "rate_mib", "mode", "runs", "ok_runs", "integrity"]
        w.writerow(head + ["%s_%s" % (m, s) for m in METRICS for s in ("median", "min", "max")])
        for a in aggs:
            row = [a[k] for k in head]
            for m in METRICS:
                row += [a[m][s] if a[m] else None for s in ("median", "min", "max")]
            w.writerow(row)
    with open(os.path.join(out, "command.txt"), "w") as f:
        f.write(meta["command"] + "\n")
    plots = write_plots(out, runs, aggs, timelines)
    write_summary(out, meta, runs, aggs, plots)


def write_timelines(out, runs):
    """One data file per TCP workload and mode (first good repeat): t_s latency_ms."""
    files = {}
    for r in runs:
        if not r.get("timeline") or not r.get("ok"):
            continue
        key = (r["workload"], r["mode"])
        if key in files:
            continue
        name = "timeline-%s-%s.dat" % (r["workload"], r["mode"].replace("/", "-"))
        with open(os.path.join(out, name), "w") as f:
            f.write("# t_s (0 = lmig precopy starts) latency_ms; freeze at %.3f s\n" % r["freeze_at_s"])
            for t, lat in r["timeline"]:
                f.write("%.4f %.3f\n" % (t, lat))
        files[key] = (name, r["freeze_at_s"])
    return files


def gnuplot(out, name, script):
    path = os.path.join(out, name + ".gp")
    with open(path, "w") as f:
        f.write("set terminal pngcairo size 900,560 font 'sans,10'\nset output '%s.png'\n" % name)
        f.write("set grid\nset key top left\nset offsets graph 0.03, graph 0.03, 0, 0\n" + script)
    r = subprocess.run(["gnuplot", name + ".gp"], cwd=out, capture_output=True, text=True)
    if r.returncode:
        return None
    return name + ".png"


def size_series(aggs, metric, workload="memdirty", pattern="random"):
    """{mode: [(size, median, min, max)]} over memory sizes."""
    s = {}
    for a in aggs:
        if a["workload"] != workload or a["pattern"] != pattern or not a[metric]:
            continue
        s.setdefault(a["mode"], []).append((a["size_mib"], a[metric]["median"], a[metric]["min"],
                                            a[metric]["max"]))
    return {m: sorted(v) for m, v in s.items()}


def write_plots(out, runs, aggs, timelines):
    plots = {}
    if not shutil.which("gnuplot"):
        return plots
    for metric, name, ylabel in (("downtime_ms", "downtime-vs-size", "downtime seen by lmig (ms)"),
                                 ("restore_ms", "restore-vs-size", "restore time in the page server (ms)")):
        series = size_series(aggs, metric)
        if not series:
            continue
        lines = []
        for i, (mode, pts) in enumerate(sorted(series.items())):
            dat = "%s-%d.dat" % (name, i)
            with open(os.path.join(out, dat), "w") as f:
                f.write("# %s: size_mib median min max\n" % mode)
                for p in pts:
                    f.write("%d %.3f %.3f %.3f\n" % p)
            lines.append("'%s' using 1:2:3:4 with yerrorlines title '%s'" % (dat, mode))
        sizes = sorted({p[0] for pts in series.values() for p in pts})
        tics = ", ".join("'%s' %d" % (("%d GiB" % (s // 1024)) if s >= 1024 else "%d MiB" % s, s)
                         for s in sizes)
        plots[name] = gnuplot(out, name, (
            "set title '%s against memory size (memdirty, median with min..max)'\n"
            "set logscale x 2\nset logscale y\nset xtics (%s)\nset xlabel 'memory of the workload'\n"
            "set ylabel '%s'\nplot %s\n") % (ylabel.split(" (")[0], tics, ylabel, ", ".join(lines)))
    # Dirty pages per round: pre-copy on the first transport, first good repeat of each size.
    pre = sorted({r["mode"] for r in runs if r.get("precopy") and not r.get("lz4")})
    if pre:
        lines = []
        seen = set()
        for r in sorted(runs, key=lambda r: r["size_mib"]):
            if r["mode"] != pre[0] or not r.get("ok") or r["pattern"] != "random" or \
                    r["workload"] != "memdirty" or r["size_mib"] in seen:
                continue
            seen.add(r["size_mib"])
            dat = "rounds-%d.dat" % r["size_mib"]
            with open(os.path.join(out, dat), "w") as f:
                f.write("# round dirty_pages_found pages_sent\n")
                for x in r["per_round"]:
                    f.write("%d %d %d\n" % (x["round"], x["dirty_pages"], x["pages"]))
                f.write("%d %d %d\n" % (r["rounds"], r["final_pages"], r["final_pages"]))
            lines.append("'%s' using 1:2 with linespoints title '%d MiB'" % (dat, r["size_mib"]))
        if lines:
            plots["dirty-per-round"] = gnuplot(out, "dirty-per-round", (
                "set title 'Pages sent per round, %s (memdirty random; the last point is the frozen round)'\n"
                "set logscale y\nset xlabel 'round'\nset ylabel 'pages (4 KiB)'\nset xtics 1\n"
                "set key top right\nplot %s\n") % (pre[0], ", ".join(lines)))
    if timelines:
        lines = []
        arrows = []
        for i, ((wl, mode), (dat, fz)) in enumerate(sorted(timelines.items())):
            lines.append("'%s' using 1:2 with points pt 7 ps 0.3 title '%s, %s'" % (dat, wl, mode))
            arrows.append("set arrow %d from %.3f, graph 0 to %.3f, graph 1 nohead dt 2 lc %d" %
                          (i + 1, fz, fz, i + 1))
        plots["client-latency"] = gnuplot(out, "client-latency", (
            "set title 'Client latency across the migration (one request per ms; dashed: the freeze)'\n"
            "set logscale y\nset xlabel 's since lmig precopy started'\nset ylabel 'latency (ms)'\n"
            "%s\nplot %s\n") % ("\n".join(arrows), ", ".join(lines)))
    return {k: v for k, v in plots.items() if v}


def seen_rate(r):
    """MiB/s of distinct pages lmig found dirty after round 0: pages of round k+1 over the time of round k."""
    pr = r.get("per_round") or []
    if len(pr) < 2:
        return None
    secs = sum(x["duration_ms"] for x in pr[:-1]) / 1e3
    pages = sum(x["dirty_pages"] for x in pr[1:])
    return pages * 4096 / MIB / secs if secs > 0 else None


def find(aggs, **kw):
    for a in aggs:
        if all(a.get(k) == v for k, v in kw.items()):
            return a
    return None


def write_summary(out, meta, runs, aggs, plots):
    L = []
    add = L.append
    add("# lmig live migration: downtime benchmark")
    add("")
    add("**A benchmark, not a test.** Produced by `bench/downtime/run`; the exact command is in "
        "[command.txt](command.txt):")
    add("")
    add("    " + meta["command"])
    add("")
    add("Run %s, lmig %s, Linux %s, %d CPUs, %.0f GiB; %d repeats of each scenario, the order of the "
        "modes alternating between repeats, after one unrecorded warm-up migration; took %.0f min. "
        "Dirty tracking: %s. Every figure is the median over the repeats with (min–max)." % (
            meta["date"], meta["git"], meta["kernel"], meta["cpus"], meta["mem_gib"], meta["repeats"],
            meta["duration_s"] / 60, meta["tracker"]))
    add("")
    short = [a for a in aggs if a["runs"] < meta["repeats"]]
    if short or not meta.get("complete", True):
        add("**This run was stopped before the end of its matrix** (a time limit); %s The *n* column "
            "gives the number of good runs behind each median." % (
                "these scenarios have fewer than %d runs: %s." % (meta["repeats"], ", ".join(
                    "%s %d MiB %s (%d)" % (a["workload"], a["size_mib"], a["mode"], a["runs"]) for a in short))
                if short else ""))
        add("")
    loads = sorted(r["load1"] for r in runs if r.get("load1") is not None)
    if loads:
        add("The machine was not idle: the 1-minute load average before each migration was %.1f "
            "(median; %.1f–%.1f) on 2 CPUs, from other work running beside the benchmark; read single "
            "figures as orders of magnitude and compare modes within one size (they ran interleaved)." % (
                loads[len(loads) // 2], loads[0], loads[-1]))
        add("")
    if os.path.exists(os.path.join(out, "NOTES.md")):
        add("**Read with [NOTES.md](NOTES.md)**: what was found behind these figures (written by hand, "
            "kept when the results are written again).")
        add("")
    add("Setup: two test hosts on this one machine, network namespaces A (198.18.0.1) and B "
        "(198.18.0.2) joined by veth, each with its own pid namespace (tests/lib/pidns-init as pid 1). "
        "The workload and `lmig precopy` run in A; `lmig pageserver` runs in B and restores the workload "
        "there, under its old pid. Both share the machine's 2 cores: every CPU second one side spends is "
        "taken from the other and from the workload.")
    add("")
    # Headline: the comparison.
    md_rate = next((r["rate_mib"] for r in runs if r["workload"] == "memdirty"), 0)
    add("## Pre-copy against stop-and-copy: 1 GiB dirtying %g MiB/s" % md_rate)
    add("")
    any_head = False
    order = {m: i for i, m in enumerate(meta.get("modes", []))}
    for a in sorted(aggs, key=lambda a: order.get(a["mode"], 99)):
        if a["workload"] != "memdirty" or a["pattern"] != "random" or a["size_mib"] != 1024 \
                or not a["mode"].startswith("pre-copy") or not a["downtime_ms"]:
            continue
        t = a["mode"].split("/")[1]
        sc = find(aggs, workload="memdirty", pattern="random", size_mib=1024, mode="stop-and-copy/" + t) or \
            find(aggs, workload="memdirty", pattern="random", size_mib=1024, mode="stop-and-copy/tcp")
        if not sc or not sc["downtime_ms"]:
            continue
        any_head = True
        p, s = a["downtime_ms"]["median"], sc["downtime_ms"]["median"]
        add("- **%s** against %s: downtime %s ms against %s ms, %.1f times shorter: %s 1/20 of "
            "stop-and-copy (%.0f ms), %s. Worst %s run %.1f ms against the best %s run %.1f ms "
            "(%.1f times)." % (
                a["mode"], sc["mode"], fmt(p), fmt(s), s / p if p else float("inf"),
                "under" if p < s / 20 else "**not** under", s / 20,
                "the issue's goal is met" if p < s / 20 else "the issue's goal is missed",
                a["mode"], a["downtime_ms"]["max"], sc["mode"], sc["downtime_ms"]["min"],
                sc["downtime_ms"]["min"] / a["downtime_ms"]["max"]))
        if a["restore_ms"]:
            add("  Of the %s ms, the page server's restore took %s ms." % (fmt(p), fmt(a["restore_ms"]["median"])))
    if not any_head:
        add("- Not measured in this run (no 1 GiB memdirty with both modes).")
    seen = [seen_rate(r) for r in runs if r["workload"] == "memdirty" and r["size_mib"] == 1024
            and r["pattern"] == "random" and r.get("ok") and r.get("precopy")]
    seen = sorted(x for x in seen if x is not None)
    if seen:
        add("- memdirty was asked to write %g MiB/s; the pages lmig found dirty between rounds came to "
            "%.1f MiB/s (median over the 1 GiB pre-copy runs; %.1f–%.1f): random writes hit some pages "
            "twice, and the workload shares the CPUs with lmig." % (md_rate, seen[len(seen) // 2],
                                                                  seen[0], seen[-1]))
    add("")
    add("Downtime here is what lmig measures (`--stats-json` `downtime_ms`): from the freeze of the "
        "source to the page server's answer that the restored process runs. memdirty has no client, and "
        "a probe over a pipe or a shared file cannot cross hosts, so for memdirty this is the only "
        "downtime figure; the client-seen downtime is measured for the TCP workloads below.")
    add("")
    if plots.get("downtime-vs-size"):
        add("![downtime against memory size](%s)" % plots["downtime-vs-size"])
        add("")
    add("## memdirty: every mode and size (random pattern, %g MiB/s)" % md_rate)
    add("")
    add("| size | mode | n | downtime ms | freeze ms | restore ms | total s | rounds | wire bytes / memory byte "
        "| lmig CPU s (source / dest) | lmig peak MiB (source / dest) | integrity |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    order = {m: i for i, m in enumerate(meta.get("modes", []))}
    for a in sorted(aggs, key=lambda a: (a["workload"], a["pattern"], a["size_mib"], order.get(a["mode"], 99))):
        if a["workload"] != "memdirty" or a["pattern"] != "random":
            continue
        tot = a["total_ms"] and {k: (v / 1000 if k != "n" else v) for k, v in a["total_ms"].items()}
        add("| %d MiB | %s | %d | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s |" % (
            a["size_mib"], a["mode"], a["ok_runs"], mmm(a["downtime_ms"]), mmm(a["freeze_ms"]), mmm(a["restore_ms"]),
            mmm(tot), mmm(a["rounds"], 0), mmm(a["wire_per_mem"], 2), mmm(a["src_cpu_s"], 2),
            mmm(a["dst_cpu_s"], 2), fmt(a["src_maxrss_mib"] and a["src_maxrss_mib"]["median"], 0),
            fmt(a["dst_maxrss_mib"] and a["dst_maxrss_mib"]["median"], 0),
            a["integrity"] if a["ok_runs"] == a["runs"] else "%d/%d ok: %s" % (a["ok_runs"], a["runs"],
                                                                              a["integrity"])))
    add("")
    add("- *freeze*: the source's share of the downtime (seize, state, last dirty pages, commit sent); "
        "*restore*: the page server's own figure from the end of the transfer to the process running "
        "(`restored in N ms`); *total*: the whole `lmig precopy`, first round to the end.")
    add("- *wire bytes / memory byte*: bytes lmig sent and received on its connection over the memory "
        "size of the workload (1.0 = every page once).")
    add("- *CPU*: user + system seconds of the `lmig precopy` process (wait4 of it, source) and of the "
        "`lmig pageserver` process (wait4 by a wrapper in host B, destination); *peak*: their ru_maxrss "
        "(VmHWM when they exit).")
    add("- *integrity*: memdirty checks every page's version after the restore (SIGUSR1 in host B); "
        "PASS means no page was stale.")
    add("")
    others = [a for a in aggs if a["workload"] == "memdirty" and a["pattern"] != "random"]
    if others:
        add("## memdirty: write patterns (%d MiB)" % others[0]["size_mib"])
        add("")
        add("| pattern | mode | downtime ms | rounds | wire bytes / memory byte | total s | integrity |")
        add("|---|---|---|---|---|---|---|")
        for a in sorted(others, key=lambda a: (a["pattern"], order.get(a["mode"], 99))):
            tot = a["total_ms"] and {k: (v / 1000 if k != "n" else v) for k, v in a["total_ms"].items()}
            add("| %s | %s | %s | %s | %s | %s | %s |" % (a["pattern"], a["mode"], mmm(a["downtime_ms"]),
                                                         mmm(a["rounds"], 0), mmm(a["wire_per_mem"], 2),
                                                         mmm(tot), a["integrity"]))
        add("")
    add("## Restore time against memory size")
    add("")
    rs = size_series(aggs, "restore_ms")
    if rs:
        for mode, pts in sorted(rs.items()):
            lo, hi = pts[0], pts[-1]
            add("- %s: %s ms at %d MiB, %s ms at %d MiB: %.1f× the time for %.0f× the memory." % (
                mode, fmt(lo[1]), lo[0], fmt(hi[1]), hi[0], hi[1] / lo[1] if lo[1] else 0,
                hi[0] / lo[0]))
        add("")
        add("lmig's page server stages the pages in its own memory and moves them into place with "
            "mremap, so this line should stay flat; a slope means some per-page work remains in restore.")
        add("")
    if plots.get("restore-vs-size"):
        add("![restore time against memory size](%s)" % plots["restore-vs-size"])
        add("")
    if plots.get("dirty-per-round"):
        add("## Pages per round")
        add("")
        add("![dirty pages per round](%s)" % plots["dirty-per-round"])
        add("")
        add("Per round and run: [rounds.csv](rounds.csv) (`dirty_pages` found by the tracker, `pages` "
            "sent with data, `bytes` on the wire).")
        add("")
    add("## TCP workloads: Redis and a Java application server")
    add("")
    tcp = [a for a in aggs if a["workload"] in ("redis", "java")]
    for wl, why in sorted(meta.get("not_runnable", {}).items()):
        add("- **%s: not runnable yet**: %s" % (wl, why))
    if tcp:
        add("")
        add("| workload | data MiB | mode | downtime ms (lmig) | downtime ms (client) | rounds | "
            "integrity |")
        add("|---|---|---|---|---|---|---|")
        for a in sorted(tcp, key=lambda a: (a["workload"], order.get(a["mode"], 99))):
            add("| %s | %d | %s | %s | %s | %s | %s |" % (a["workload"], a["size_mib"], a["mode"],
                                                         mmm(a["downtime_ms"]), mmm(a["client_downtime_ms"]),
                                                         mmm(a["rounds"], 0), a["integrity"]))
        add("")
        add("Client downtime: the longest gap between two answers seen by `bench/downtime/prober`, "
            "which asks the service for the next value of a counter once a millisecond over one "
            "connection (Redis INCR; GET /next of the Java counter) and checks that each answer is the "
            "previous one plus one.")
    add("")
    if plots.get("client-latency"):
        add("![client latency timeline](%s)" % plots["client-latency"])
        add("")
    failed = [r for r in runs if not r["ok"]]
    add("## Failed runs")
    add("")
    if failed:
        for r in failed:
            add("- %s %d MiB %s %s repeat %s: %s" % (r["workload"], r["size_mib"], r["pattern"], r["mode"],
                                                   r["repeat"], r["error"]))
    else:
        add("None: every migration succeeded and every integrity check passed.")
    add("")
    add("## Files")
    add("")
    add("[results.json](results.json) (every run and the aggregates), [runs.csv](runs.csv), "
        "[summary.csv](summary.csv), [rounds.csv](rounds.csv); `*.gp` and `*.dat` are the gnuplot "
        "scripts and their data.")
    add("")
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write("\n".join(L))
