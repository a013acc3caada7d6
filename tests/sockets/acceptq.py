#!/usr/bin/env python3
"""Accept-queue test programs (tests/sockets/acceptq.sh).

server ADDR PORT READY GO LOG: listen, write READY, accept nothing until
  the file GO exists; then accept forever: per connection read a request
  up to its newline (or EOF), log "accepted PEERPORT LEN", answer
  "sha256 HEX\\n" and close.
client ADDR PORT LEN [--half-close]: connect, send LEN-1 pseudo-random
  bytes and a newline (shut down the sending side with --half-close),
  print "port N", wait up to 60 s for the answer, exit 0 when it is the
  digest of what was sent.
"""
import hashlib
import os
import random
import socket
import sys
import time


def read_line(sock, size):
    """Bytes up to and with the first newline, or all until EOF."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(size)
        if not chunk:
            break
        data += chunk
    return data


def server(addr, port, ready, go, log):
    ls = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(32)
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.05)
    with open(log, "a", buffering=1) as out:
        while True:
            c, peer = ls.accept()
            data = read_line(c, 65536)
            out.write("accepted %d %d\n" % (peer[1], len(data)))
            c.sendall(b"sha256 %s\n" % hashlib.sha256(data).hexdigest().encode())
            c.close()


def client(addr, port, length, half_close):
    rnd = random.Random(length)
    data = bytes(rnd.getrandbits(8) for _ in range(length - 1)) + b"\n"
    c = socket.create_connection((addr, int(port)), timeout=60)
    print("port %d" % c.getsockname()[1], flush=True)
    c.sendall(data)
    if half_close:
        c.shutdown(socket.SHUT_WR)
    answer = read_line(c, 4096)
    want = b"sha256 %s\n" % hashlib.sha256(data).hexdigest().encode()
    if answer != want:
        print("bad answer %r" % answer[:80], flush=True)
        return 1
    print("ok", flush=True)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "server":
        server(*sys.argv[2:7])
    else:
        sys.exit(client(sys.argv[2], sys.argv[3], int(sys.argv[4]), "--half-close" in sys.argv))
