#!/usr/bin/env python3
"""memcached client for tests/services/memcached.sh (text protocol).

  mc-client.py fill  --host H --port P --keys N    set key0..keyN-1, read them back
  mc-client.py check --host H --port P --keys N [--threads T]
      on a new connection: every key has its value, a new key can be set
      and read, "stats" says T worker threads
  mc-client.py hold  --host H --port P --ready FILE --go FILE
      one connection, used before (set/get), then left idle until FILE
      --go exists (at most 120 s), then used again: the same connection
      must still answer get and set after the server moved

Each value is derived from its key, so that any key checks itself. Exits
0 when every check passes, 1 otherwise, naming the first thing wrong.
"""
import argparse
import hashlib
import os
import socket
import sys
import time

TIMEOUT = 20


def value_of(key):
    h = hashlib.sha1(key.encode()).hexdigest()
    return ("v-%s-%s" % (key, h * 3)).encode()


class Conn:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the server closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("the server closed the connection")
            self.buf += data
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def set_many(self, keys):
        self.sock.sendall(b"".join(b"set %s 0 0 %d\r\n%s\r\n" % (k.encode(), len(value_of(k)), value_of(k))
                                   for k in keys))
        for k in keys:
            r = self.line()
            if r != b"STORED":
                raise ValueError("set %s: %r" % (k, r))

    def get_many(self, keys):
        """{key: value} of the keys the server has."""
        self.sock.sendall(b"get %s\r\n" % " ".join(keys).encode())
        got = {}
        while True:
            r = self.line()
            if r == b"END":
                return got
            parts = r.split()
            if len(parts) != 4 or parts[0] != b"VALUE":
                raise ValueError("get: %r" % r)
            got[parts[1].decode()] = self.exact(int(parts[3]) + 2)[:-2]

    def stats(self):
        self.sock.sendall(b"stats\r\n")
        s = {}
        while True:
            r = self.line()
            if r == b"END":
                return s
            _, k, v = r.decode().split(" ", 2)
            s[k] = v


def check_keys(c, keys):
    for i in range(0, len(keys), 100):
        batch = keys[i:i + 100]
        got = c.get_many(batch)
        for k in batch:
            if k not in got:
                raise ValueError("key %s is missing" % k)
            if got[k] != value_of(k):
                raise ValueError("key %s has another value" % k)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("fill", "check", "hold"))
    ap.add_argument("--host", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--keys", type=int, default=0)
    ap.add_argument("--threads", type=int)
    ap.add_argument("--ready")
    ap.add_argument("--go")
    a = ap.parse_args()
    keys = ["key%d" % i for i in range(a.keys)]
    try:
        c = Conn(a.host, a.port)
        if a.mode == "fill":
            for i in range(0, len(keys), 500):
                c.set_many(keys[i:i + 500])
            check_keys(c, keys)
            print("set and read back %d keys" % len(keys))
        elif a.mode == "check":
            check_keys(c, keys)
            fresh = ["after%d" % i for i in range(100)]
            c.set_many(fresh)
            check_keys(c, fresh)
            st = c.stats()
            if a.threads is not None and int(st["threads"]) != a.threads:
                raise ValueError("stats: %s worker threads, not %d" % (st["threads"], a.threads))
            print("all %d keys there, 100 new ones set and read; stats: pid %s, %s threads, %s items, uptime %s s"
                  % (len(keys), st["pid"], st["threads"], st["curr_items"], st["uptime"]))
        else:
            c.set_many(["held-before"])
            check_keys(c, ["held-before"])
            open(a.ready, "w").close()
            end = time.monotonic() + 120
            while not os.path.exists(a.go):
                if time.monotonic() > end:
                    raise TimeoutError("no %s within 120 s" % a.go)
                time.sleep(0.05)
            check_keys(c, ["held-before"] + keys[:100])
            c.set_many(["held-after"])
            check_keys(c, ["held-after"])
            print("the held connection answered get and set after the move")
    except (OSError, EOFError, ValueError) as e:
        print("mc-client %s: %s" % (a.mode, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
