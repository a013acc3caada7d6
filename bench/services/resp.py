"""A minimal RESP (Redis protocol) client over one raw socket: no packages.

Shared by resp-writer.py and redis-check.py. One Conn is one TCP
connection, never reopened: a broken connection raises ConnLost, so a
caller can tell a connection that survived a migration from a new one.
"""
import socket


class ConnLost(Exception):
    """The connection broke (reset, closed, timed out)."""


class RedisError(Exception):
    """The server answered with an error reply."""


def encode(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if not isinstance(a, bytes):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class Conn:
    def __init__(self, host, port, timeout=30.0):
        try:
            self.sock = socket.create_connection((host, port), timeout=timeout)
        except OSError as e:
            raise ConnLost("cannot connect to %s:%d: %s" % (host, port, e)) from e
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.sock.close()

    def _fill(self):
        try:
            d = self.sock.recv(1 << 16)
        except OSError as e:
            raise ConnLost(str(e)) from e
        if not d:
            raise ConnLost("closed by the server")
        self.buf += d

    def _line(self):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n + 2:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n + 2:]
        return d

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"+":
            return rest
        if t == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if t == b":":
            return int(rest)
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ConnLost("protocol error: %r" % line[:40])

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError as e:
            raise ConnLost(str(e)) from e

    def call(self, *args):
        self.send(encode(*args))
        return self.reply()

    def pipeline(self, cmds):
        """Send every command, then read every reply, in order."""
        self.send(b"".join(encode(*c) for c in cmds))
        return [self.reply() for _ in cmds]


# The writes of resp-writer.py, numbered from 1: op i is one of three
# kinds, so that strings, counters and lists are all checked.
def op(i):
    k = i % 3
    if k == 0:
        return ("SET", "w:%d" % i, value(i))
    if k == 1:
        return ("INCR", "w:ctr")
    return ("RPUSH", "w:log", str(i))


def value(i):
    # Not compressible to nothing, reproducible from i alone.
    return "%d:%08x" % (i, (i * 2654435761) & 0xffffffff)
