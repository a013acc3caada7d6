#!/usr/bin/env python3
"""`lmig check` on the running kernel: the JSON report is well formed and
agrees with the table, with its exit code, and with what this test finds
out on its own (soft-dirty by hand, uffd-wp from the kernel version); and
the probes leave no process behind (this test is a child subreaper, so any
orphan would come back to it)."""
import ctypes
import json
import mmap
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time

PR_SET_CHILD_SUBREAPER = 36
PME_SOFT_DIRTY = 1 << 55
PME_PRESENT = 1 << 63
REQUIRED = ["ptrace-seize", "process-vm-readv", "pidfd-getfd", "clone3-set-tid", "pr-set-mm-map"]
FEATURES = ["soft-dirty", "uffd-wp"] + REQUIRED + [
    "memfd", "seccomp-get-filter", "rseq-configuration", "time-ns", "net-ns",
    "tcp-repair", "io-uring", "io-uring-send-zc", "rdma", "selinux",
    "tls", "ktls", "accept-queue"]

failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def soft_dirty_works():
    """clear_refs 4, then write one of two touched pages: only it must have bit 55."""
    ps = mmap.PAGESIZE
    m = mmap.mmap(-1, 2 * ps)
    m[0] = 1
    m[ps] = 1
    base = ctypes.addressof(ctypes.c_char.from_buffer(m))
    with open("/proc/self/clear_refs", "w") as f:
        f.write("4")
    m[0] = 2
    with open("/proc/self/pagemap", "rb") as f:
        f.seek(base // ps * 8)
        written, clean = (int.from_bytes(f.read(8), "little") for _ in range(2))
    if not written & PME_PRESENT:
        raise RuntimeError("pagemap shows the written page as not present")
    return bool(written & PME_SOFT_DIRTY) and not clean & PME_SOFT_DIRTY


def run(*args):
    # Files, not pipes: a process left behind holding them must not hang us.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        p = subprocess.run([os.environ["LMIG"], *args], stdout=out, stderr=err, timeout=120)
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(), err.read()


def children():
    pids = []
    for tid in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{tid}/children") as f:
            pids += [int(x) for x in f.read().split()]
    return pids


def leftovers():
    """Orphans of lmig come back to us: kill (by pid) and reap them; returns their pids."""
    found = set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        live = children()
        for pid in live:
            found.add(pid)
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid:
            found.add(pid)
        elif not live:
            break
        else:
            time.sleep(0.01)
    return sorted(found)


def kernel_version():
    return tuple(int(x) for x in platform.release().split("-")[0].split(".")[:2])


def main():
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("FAIL: PR_SET_CHILD_SUBREAPER:", os.strerror(ctypes.get_errno()))
        return 1

    rc_json, out, err = run("check", "--json")
    try:
        rep = json.loads(out)
    except json.JSONDecodeError as e:
        print(f"FAIL: lmig check --json is not JSON ({e}):\n{out}\n{err}")
        return 1
    rc_text, text, err_text = run("check")
    orphans = leftovers()
    if orphans:
        fail(f"lmig check left processes behind: {orphans}")

    feats = rep.get("features", {})
    if list(feats) != FEATURES:
        fail(f"features {list(feats)}, want {FEATURES}")
    for name, f in feats.items():
        if not (isinstance(f.get("available"), bool) and isinstance(f.get("required"), bool)
                and isinstance(f.get("detail"), str) and f["detail"]):
            fail(f"{name}: malformed entry {f}")
        if f.get("required") != (name in REQUIRED):
            fail(f"{name}: required is {f.get('required')}")

    def avail(name):
        return feats.get(name, {}).get("available")

    # Independent checks on this kernel.
    sd = soft_dirty_works()
    if avail("soft-dirty") != sd:
        fail(f"soft-dirty reported {avail('soft-dirty')}, but by hand it {'works' if sd else 'does not work'}")
    if kernel_version() >= (6, 7):
        if avail("uffd-wp") is not True:
            fail(f"uffd-wp reported absent on kernel {platform.release()}: {feats.get('uffd-wp')}")
    else:
        print(f"note: kernel {platform.release()} is older than 6.7: uffd-wp not asserted")

    # The conclusions follow from the features.
    want_tracker = "uffd-wp" if avail("uffd-wp") else "soft-dirty" if avail("soft-dirty") else None
    if rep.get("tracker") != want_tracker:
        fail(f"tracker {rep.get('tracker')!r}, want {want_tracker!r}")
    want_tr = ["tcp"] + (["uring"] if avail("io-uring") else []) + (["rdma"] if avail("rdma") else [])
    if rep.get("transports") != want_tr:
        fail(f"transports {rep.get('transports')}, want {want_tr}")
    missing = [n for n in REQUIRED if not avail(n)]
    if rep.get("missing") != missing or rep.get("migration_possible") != (not missing):
        fail(f"missing {rep.get('missing')} / migration_possible {rep.get('migration_possible')}, want {missing}")
    for rc, how in ((rc_json, "--json"), (rc_text, "text")):
        if rc != (3 if missing else 0):
            fail(f"lmig check ({how}) exited {rc} with missing={missing}")
    if missing and "missing " + ", ".join(missing) not in err_text:
        fail(f"stderr does not name what is missing: {err_text!r}")

    # The table says the same as the JSON.
    lines = text.splitlines()
    for name, f in feats.items():
        row = [l for l in lines if l.split()[:1] == [name]]
        want = f"{name:<20} {'yes' if f['available'] else 'no':<4} {f['detail']}"
        if row != [want]:
            fail(f"table row for {name}: {row}, want [{want!r}]")
    want_line = "dirty tracker:  " + (want_tracker or "none: only stop-and-copy")
    if want_line not in lines:
        fail(f"table lacks {want_line!r}")
    if "transports:     " + " ".join(want_tr) not in lines:
        fail("table transports line differs from the JSON")

    # A usage error is exit 2, and --help exit 0.
    if run("check", "--bogus")[0] != 2 or run("check", "extra")[0] != 2 or run("check", "--help")[0] != 0:
        fail("check option errors do not exit 2, or --help does not exit 0")
    orphans = leftovers()
    if orphans:
        fail(f"lmig check left processes behind: {orphans}")

    print(text, end="")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
