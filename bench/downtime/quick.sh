#!/bin/sh
# The downtime benchmark in --quick mode, as a test: the whole harness
# runs between two test hosts (small sizes, one repeat, every mode), and
# every migration must succeed, every workload's integrity check pass and
# the results be written (JSON, CSV, the summary; the plots when gnuplot
# is installed). The figures themselves are not judged.
# Skips (77) when lmig precopy is not built, or test hosts cannot be made.
set -u
out=$(mktemp -d "${TMPDIR:-/tmp}/lmig-bench-quick.XXXXXX")
trap 'rm -rf "$out"' EXIT
timeout 600 python3 "${top_srcdir:?}/bench/downtime/run" --quick --build "${top_builddir:?}" \
	--out "$out/results" >"$out/log" 2>&1
rc=$?
if [ $rc -eq 77 ]; then
	echo "SKIP bench-quick: $(sed -n 's/^SKIP: //p' "$out/log" | tail -n 1)"
	exit 77
fi
fail() {
	echo "FAIL bench-quick: $*"
	tail -n 25 "$out/log" | sed 's/^/  /'
	exit 1
}
[ $rc -eq 124 ] && fail "did not finish within 600 s"
[ $rc -eq 0 ] || fail "exited $rc (a migration or an integrity check failed)"
for f in results.json runs.csv summary.csv rounds.csv README.md command.txt; do
	[ -s "$out/results/$f" ] || fail "no $f"
done
if command -v gnuplot >/dev/null; then
	for f in downtime-vs-size restore-vs-size dirty-per-round; do
		[ -s "$out/results/$f.png" ] || fail "gnuplot is installed but $f.png was not made"
	done
fi
python3 - "$out/results/results.json" <<'PY' || fail "the results do not hold what they should"
import json, sys
r = json.load(open(sys.argv[1]))
runs = [x for x in r["runs"] if x["workload"] == "memdirty"]
modes = set(r["meta"]["modes"])
assert runs and all(x["ok"] and x["integrity"] == "PASS" for x in runs), "a memdirty run failed"
assert {x["mode"] for x in runs} == modes, "not every mode ran"
for x in runs:
    assert x["downtime_ms"] > 0 and x["total_ms"] >= x["downtime_ms"] - 1, x
    assert x["restore_ms"] is not None and x["src_cpu_s"] is not None and x["dst_cpu_s"] is not None, x
    assert (x["rounds"] == 0) == (not x["precopy"]), x
for wl in ("redis", "java"):
    assert wl in r["meta"]["not_runnable"] or any(x["workload"] == wl and x["ok"] for x in r["runs"]), wl
PY
n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"]))' "$out/results/results.json")
nr=$(python3 -c 'import json,sys; print("; ".join("%s: %s" % kv for kv in json.load(open(sys.argv[1]))["meta"]["not_runnable"].items()) or "none")' "$out/results/results.json")
echo "PASS bench-quick: $n migrations, all integrity checks passed; not runnable yet: $nr"
exit 0
