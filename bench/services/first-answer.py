#!/usr/bin/env python3
"""Time from starting a command to the first HTTP answer on 127.0.0.1:PORT.

    first-answer.py --port P [--path /] [--timeout S] -- CMD...

Run inside the network namespace of the service. Starts CMD (a server, or
`lmig restore ... --detach`), then tries a GET every millisecond until
one is answered 200; prints the elapsed milliseconds and the body's first
line as "MS BODY". CMD's own pid is printed to stderr as "pid N" for the
caller to end it. Exit 0 on an answer, 1 on timeout or if CMD failed.
"""
import argparse
import re
import socket
import subprocess
import sys
import time


def ask(port, path):
    # A short connect timeout: a SYN dropped (nothing listens yet, or
    # lmig's network lock) is tried again at once, not after the kernel's
    # one-second SYN retransmission.
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=0.02)
    except OSError:
        return None
    try:
        s.settimeout(5)
        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path.encode())
        data = b""
        # Until the body is whole: by Content-Length, else until the server closes.
        while True:
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
            d = s.recv(65536)
            if not d:
                break
            data += d
    except OSError:
        return None
    finally:
        s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200") and not head.startswith(b"HTTP/1.0 200"):
        return None
    return body.split(b"\n")[0].decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/")
    ap.add_argument("--timeout", type=float, default=120)
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    print("pid %d" % p.pid, file=sys.stderr, flush=True)
    while time.monotonic() - t0 < a.timeout:
        body = ask(a.port, a.path)
        if body is not None:
            print("%.1f %s" % ((time.monotonic() - t0) * 1000, body), flush=True)
            return 0
        rc = p.poll()
        if rc not in (None, 0):
            print("first-answer: %s exited %d" % (cmd[0], rc), file=sys.stderr)
            return 1
        time.sleep(0.001)
    print("first-answer: no answer within %g s" % a.timeout, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
