#!/usr/bin/env python3
"""Load on a counter service over HTTP, recording every number it hands
out (bench/services; also used by tests/services/tomcat.sh).

    http-counter.py --host H --port P --path /counter --out FILE
                    [--keepalive N] [--fresh N] [--interval-ms MS] [--ready FILE]
    http-counter.py --check FILE

Each answer of the service is the next number of one counter. N
keep-alive clients each hold one HTTP/1.1 connection for their whole life
(a connection that breaks is an error: never reopened), N fresh clients
open a new connection for each request. Every request must be answered
200; a timeout, reset or other status is an error. Runs until SIGTERM or
SIGINT, then writes JSON to FILE: every number received, per client, the
errors, the longest wait for one answer.

--check FILE: the numbers of all clients together must be first..last
with none missing and none twice, and no request may have failed; prints
the verdict and exits 0 or 1. The first number need not be 1 (the service
may have answered others before).
"""
import argparse
import http.client
import json
import signal
import sys
import threading
import time


def client(a, keepalive, rec, stop):
    conn = None
    sock = None
    while not stop.is_set():
        try:
            if conn is None or not keepalive:
                if conn is not None:
                    conn.close()
                conn = http.client.HTTPConnection(a.host, a.port, timeout=a.timeout)
                conn.connect()
                sock = conn.sock
            t = time.monotonic()
            conn.request("GET", a.path)
            r = conn.getresponse()
            body = r.read()
            wait = time.monotonic() - t
            if conn.sock is not sock:
                rec["errors"].append("the connection was reopened")
                return
            if r.status != 200:
                rec["errors"].append("status %d" % r.status)
                return
            rec["numbers"].append(int(body.strip()))
            if wait > rec["max_wait_s"]:
                rec["max_wait_s"] = wait
        except (OSError, http.client.HTTPException, ValueError) as e:
            rec["errors"].append("%s: %s" % (type(e).__name__, e))
            return
        if a.interval_ms:
            time.sleep(a.interval_ms / 1000.0)
    if conn is not None:
        conn.close()


def run(a):
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    recs, threads = [], []
    for i in range(a.keepalive + a.fresh):
        rec = {"kind": "keepalive" if i < a.keepalive else "fresh", "numbers": [], "errors": [],
               "max_wait_s": 0.0}
        recs.append(rec)
        t = threading.Thread(target=client, args=(a, i < a.keepalive, rec, stop), daemon=True)
        threads.append(t)
        t.start()
    if a.ready:
        open(a.ready, "w").close()
    while not stop.is_set() and any(t.is_alive() for t in threads):
        stop.wait(0.1)
    stop.set()
    for t in threads:
        t.join(a.timeout + 5)
    with open(a.out, "w") as f:
        json.dump({"clients": recs}, f)
    return 1 if any(r["errors"] for r in recs) else 0


def check(path):
    d = json.load(open(path))
    nums = sorted(n for r in d["clients"] for n in r["numbers"])
    errors = [e for r in d["clients"] for e in r["errors"]]
    bad = []
    if errors:
        bad.append("%d request(s) failed: %s" % (len(errors), "; ".join(errors[:3])))
    if not nums:
        bad.append("no answer at all")
    else:
        dups = len(nums) - len(set(nums))
        missing = (nums[-1] - nums[0] + 1) - len(set(nums))
        if dups:
            bad.append("%d number(s) handed out twice" % dups)
        if missing:
            bad.append("%d number(s) missing between %d and %d" % (missing, nums[0], nums[-1]))
    for r in d["clients"]:
        s = r["numbers"]
        if any(b <= a for a, b in zip(s, s[1:])):
            bad.append("a client saw the counter go back")
            break
    wait = max((r["max_wait_s"] for r in d["clients"]), default=0)
    if bad:
        print("FAIL: " + "; ".join(bad))
        return 1
    print("ok: %d answers, numbers %d..%d without a gap or a repeat, no request failed, "
          "longest wait %.0f ms" % (len(nums), nums[0], nums[-1], wait * 1000))
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host")
    ap.add_argument("--port", type=int)
    ap.add_argument("--path", default="/counter")
    ap.add_argument("--out")
    ap.add_argument("--keepalive", type=int, default=2)
    ap.add_argument("--fresh", type=int, default=1)
    ap.add_argument("--interval-ms", type=float, default=0.0)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--ready")
    ap.add_argument("--check")
    a = ap.parse_args()
    if a.check:
        return check(a.check)
    if not (a.host and a.port and a.out):
        ap.error("--host, --port and --out are needed (or --check FILE)")
    return run(a)


if __name__ == "__main__":
    sys.exit(main())
