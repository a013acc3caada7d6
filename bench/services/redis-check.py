#!/usr/bin/env python3
"""Check a Redis server after a migration against what resp-writer.py
recorded (bench/services; also used by tests/services/redis.sh).

    redis-check.py --host H --port P --summary FILE [--populated N]
                   [--ref-host H --ref-port P]

Connects anew (a new client must be able to), then checks that every
acknowledged write is there and nothing else was written: w:ctr counts
the acknowledged INCRs, w:log holds the acknowledged RPUSHes in order,
every acknowledged SET w:i has its value, and (with --populated, the key
count of DEBUG POPULATE) DBSIZE is the populated keys plus the writer's.
With the reference server, DEBUG DIGEST (a hash of the whole data set)
must be equal on both. The writer's summary must show no error and the
same CLIENT ID at its start and end (one connection all along).
Prints one line per check; exits 0 when all pass, 1 otherwise.
"""
import argparse
import json
import sys

import resp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--populated", type=int)
    ap.add_argument("--ref-host")
    ap.add_argument("--ref-port", type=int)
    a = ap.parse_args()

    s = json.load(open(a.summary))
    bad = []

    def check(ok, what):
        print("%s %s" % ("ok  " if ok else "FAIL", what))
        if not ok:
            bad.append(what)

    check(not s.get("error"), "the writer's connection never broke (%s)" % (s.get("error") or "no error"))
    check(s.get("client_id_start") is not None and s.get("client_id_start") == s.get("client_id_end"),
          "the writer kept one connection: CLIENT ID %s at its start, %s at its end"
          % (s.get("client_id_start"), s.get("client_id_end")))
    n = s["acked"]
    check(n > 0, "%d writes acknowledged" % n)
    try:
        c = resp.Conn(a.host, a.port, 30)
    except resp.ConnLost as e:
        check(False, "a new client connects: %s" % e)
        return 1
    check(c.call("PING") == b"PONG", "a new client connects and gets PONG")

    incrs = sum(1 for i in range(1, n + 1) if i % 3 == 1)
    ctr = c.call("GET", "w:ctr")
    check(int(ctr or 0) == incrs, "w:ctr is %s, acknowledged INCRs %d" % (ctr and ctr.decode(), incrs))

    pushes = [str(i).encode() for i in range(1, n + 1) if i % 3 == 2]
    got = []
    for lo in range(0, max(len(pushes), 1), 10000):
        got += c.call("LRANGE", "w:log", lo, lo + 9999) or []
    check(got == pushes, "w:log holds the %d acknowledged RPUSHes in order (has %d)" % (len(pushes), len(got)))

    sets = [i for i in range(1, n + 1) if i % 3 == 0]
    missing = wrong = 0
    for lo in range(0, len(sets), 1000):
        part = sets[lo:lo + 1000]
        vals = c.call("MGET", *["w:%d" % i for i in part])
        for i, v in zip(part, vals):
            if v is None:
                missing += 1
            elif v.decode() != resp.value(i):
                wrong += 1
    check(missing == 0 and wrong == 0,
          "all %d acknowledged SETs are there (%d missing, %d wrong)" % (len(sets), missing, wrong))
    # No write beyond the acknowledged ones: the next SET key must not exist.
    nxt = next(i for i in range(n + 1, n + 4) if i % 3 == 0)
    check(c.call("EXISTS", "w:%d" % nxt) == 0, "no write past the last acknowledged one (w:%d absent)" % nxt)

    if a.populated is not None:
        want = a.populated + len(sets) + (1 if incrs else 0) + (1 if pushes else 0)
        size = c.call("DBSIZE")
        check(size == want, "DBSIZE %d, want %d (populated %d + written)" % (size, want, a.populated))

    if a.ref_host:
        d = c.call("DEBUG", "DIGEST")
        r = resp.Conn(a.ref_host, a.ref_port, 30).call("DEBUG", "DIGEST")
        check(d == r, "DEBUG DIGEST %s equals the reference server's %s" % (d.decode(), r.decode()))
    c.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
