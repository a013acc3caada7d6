#!/usr/bin/env python3
"""A Redis client that writes without pause and knows which writes were
acknowledged (bench/services; also used by tests/services/redis.sh).

    resp-writer.py --host H --port P --summary FILE [--ref-host H --ref-port P]
                   [--interval-ms MS] [--ready FILE]

Holds ONE connection open for its whole life and never reconnects: if it
breaks, the writer says so and exits 1. Writes op 1, 2, 3, ... one at a
time (SET w:i, INCR w:ctr, RPUSH w:log i in turn; see resp.py), each
acknowledged before the next is sent, so the acknowledged writes are
exactly 1..acked. With --ref-host/--ref-port every acknowledged write is
then applied to a reference server that is never migrated: both must end
with the same DEBUG DIGEST. CLIENT ID is asked on the connection at the
start and at the end: the same id proves the server kept the connection.

Runs until SIGTERM or SIGINT, finishes the write in flight, then writes
the summary as JSON to FILE (acked, client ids, the longest wait for one
reply in ms and when it began) and exits 0.
"""
import argparse
import json
import signal
import sys
import time

import resp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ref-host")
    ap.add_argument("--ref-port", type=int)
    ap.add_argument("--summary", required=True)
    ap.add_argument("--interval-ms", type=float, default=0.0)
    ap.add_argument("--ready")
    ap.add_argument("--timeout", type=float, default=60.0, help="longest wait for one reply")
    a = ap.parse_args()

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    summary = {"acked": 0, "error": None}
    conn = ref = None
    try:
        conn = resp.Conn(a.host, a.port, a.timeout)
        if a.ref_host:
            ref = resp.Conn(a.ref_host, a.ref_port, a.timeout)
        summary["client_id_start"] = conn.call("CLIENT", "ID")
        if a.ready:
            open(a.ready, "w").close()
        t0 = time.monotonic()
        max_wait, max_at = 0.0, 0.0
        i = 0
        while not stop:
            i += 1
            cmd = resp.op(i)
            sent = time.monotonic()
            conn.call(*cmd)
            wait = time.monotonic() - sent
            if wait > max_wait:
                max_wait, max_at = wait, sent - t0
            summary["acked"] = i
            if ref:
                ref.call(*cmd)
            if a.interval_ms:
                time.sleep(a.interval_ms / 1000.0)
        summary["client_id_end"] = conn.call("CLIENT", "ID")
        summary["max_reply_ms"] = round(max_wait * 1000, 1)
        summary["max_reply_at_s"] = round(max_at, 3)
        summary["seconds"] = round(time.monotonic() - t0, 3)
    except (resp.ConnLost, resp.RedisError) as e:
        summary["error"] = "after %d acknowledged writes: %s" % (summary["acked"], e)
    with open(a.summary, "w") as f:
        json.dump(summary, f)
    if summary["error"]:
        print("resp-writer: %s" % summary["error"], file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
