#!/bin/sh
# A unix socket connected to a daemon outside the dumped tree (as to
# /dev/log or a D-Bus bus) is refused: exit code 3, one line naming the
# pid, the fd and the daemon's path, and the process runs on as before,
# still talking to the daemon, the bytes the daemon had queued to it
# still there. Refused the same way, naming the socket: file descriptors
# in flight in a queue (SCM_RIGHTS sent, not yet received), a listener
# with a connection not yet accepted that already carries bytes, a
# connection waiting in the accept queue of a listener outside the tree,
# a name bound to a relative path from a directory the process left.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init unix-refuse
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }

# The daemon: a stream listener and a bound datagram socket.
python3 -c '
import os, socket, sys, time
w = sys.argv[1]
l = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
l.bind(w + "/daemon.sock"); l.listen(4)
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
d.bind(w + "/daemon.dgram")
open(w + "/daemon.ready", "w").write("READY\n")
c, _ = l.accept()
c.sendall(b"queued before the dump")
c.settimeout(60)
if c.recv(100) == b"after":
    c.sendall(b"ok")
d.settimeout(60)
open(w + "/daemon.got", "w").write(d.recv(100).decode() + "\n")
time.sleep(60)
' "$work" </dev/null >"$work/daemon.log" 2>&1 &
started=$!
sk_wait_file "$work/daemon.ready" 10 || sk_fail "the daemon did not start"

# The process dumped: a client of both.
python3 -c '
import os, socket, sys, time
w = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(w + "/daemon.sock")
g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
g.connect(w + "/daemon.dgram")
time.sleep(0.5)        # the daemon queues its bytes to us
open(w + "/ready", "w").write("READY\n")
for i in range(600):
    if os.path.exists(w + "/go"):
        break
    time.sleep(0.1)
s.settimeout(10)
want = b"queued before the dump"
got = b""
while len(got) < len(want):
    got += s.recv(100)
s.sendall(b"after")
ok = s.recv(10)
g.send(b"dgram after")
open(w + "/result", "w").write("OK\n" if got == want and ok == b"ok" else "BAD %r %r\n" % (got, ok))
' "$work" </dev/null >"$work/client.log" 2>&1 &
server=$!
sk_wait_file "$work/ready" 10 || sk_fail "the client did not start"

sk_dump --pid "$server" -D "$work/img"
rc=$?
[ $rc -eq 3 ] || sk_fail "the dump gave $rc, not 3 (unsupported)"
grep -E "pid $server: fd [0-9]+: unix (stream|dgram) socket \(unnamed\) is connected to $work/daemon\.(sock|dgram), which no process of the dumped tree holds" \
	"$work/dump.log" >/dev/null || sk_fail "the refusal does not name the pid, fd and the daemon's path"
[ "$(grep -c 'rror\|not supported' "$work/dump.log")" -le 1 ] || sk_fail "more than one error line"
kill -0 "$server" 2>/dev/null || sk_fail "the client died after a refused dump"
[ -e "$work/img/inventory.img" ] && sk_fail "a refused dump left an inventory.img"

touch "$work/go"
sk_wait_file "$work/result" 10 || sk_fail "the client did not finish after the refused dump"
grep -q '^OK$' "$work/result" || sk_fail "the client saw its connection changed: $(cat "$work/result")"
sk_wait_file "$work/daemon.got" 10 || sk_fail "the daemon got no datagram after the refused dump"
grep -q '^dgram after$' "$work/daemon.got" || sk_fail "the daemon got a wrong datagram"
# refused NAME PYTHON REGEX: PYTHON (a process writing $work/NAME.ready
# once set up, then sleeping) is refused with a line matching REGEX and
# runs on.
refused() {
	python3 -c "$2" "$work" </dev/null >"$work/$1.log" 2>&1 &
	server=$!
	sk_wait_file "$work/$1.ready" 10 || sk_fail "$1: the process did not start"
	rm -f "$work/dump.log"
	sk_dump --pid "$server" -D "$work/img-$1"
	rc=$?
	[ $rc -eq 3 ] || sk_fail "$1: the dump gave $rc, not 3 (unsupported)"
	grep -E "pid $server: fd [0-9]+: $3" "$work/dump.log" >/dev/null ||
		sk_fail "$1: the refusal does not name the socket"
	kill -0 "$server" 2>/dev/null || sk_fail "$1: the process died after a refused dump"
	kill -9 "$server"
	wait "$server" 2>/dev/null
	server=
}

refused dgram '
import socket, sys, time
g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
g.connect(sys.argv[1] + "/daemon.dgram")
open(sys.argv[1] + "/dgram.ready", "w").write("READY\n")
time.sleep(60)
' "unix dgram socket \(unnamed\) is connected to $work/daemon.dgram, which no process of the dumped tree holds"

refused fds '
import os, socket, sys, time
a, b = socket.socketpair()
socket.send_fds(a, [b"here"], [os.open("/dev/null", os.O_RDONLY)])
open(sys.argv[1] + "/fds.ready", "w").write("READY\n")
time.sleep(60)
' "unix stream socket \(unnamed\) has file descriptors in flight in its queue: not supported"

refused pending '
import socket, sys, time
l = socket.socket(socket.AF_UNIX)
l.bind(sys.argv[1] + "/pending.sock")
l.listen(4)
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1] + "/pending.sock")
c.send(b"hello")
open(sys.argv[1] + "/pending.ready", "w").write("READY\n")
time.sleep(60)
' "unix stream socket $work/pending.sock \(listening\) has 1 connection not yet accepted by the process, one with bytes already sent on it"

refused relative '
import os, socket, sys, time
os.chdir(sys.argv[1])
l = socket.socket(socket.AF_UNIX)
l.bind("relative.sock")
l.listen(4)
os.chdir("/")
open(sys.argv[1] + "/relative.ready", "w").write("READY\n")
time.sleep(60)
' "unix stream socket relative.sock \(listening\) is bound to a relative path, not found from its working directory: not supported"

# A client waiting in the accept queue of a listener outside the tree.
python3 -c '
import socket, sys, time
l = socket.socket(socket.AF_UNIX)
l.bind(sys.argv[1] + "/never.sock")
l.listen(4)
open(sys.argv[1] + "/never.ready", "w").write("READY\n")
time.sleep(60)
' "$work" </dev/null >"$work/never.log" 2>&1 &
clients="$clients $!"
sk_wait_file "$work/never.ready" 10 || sk_fail "the outside listener did not start"
refused waiting '
import socket, sys, time
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1] + "/never.sock")
open(sys.argv[1] + "/waiting.ready", "w").write("READY\n")
time.sleep(60)
' "unix stream socket \(unnamed\) is connected to $work/never.sock, which no process of the dumped tree holds"

echo "PASS unix-refuse: a socket connected to a daemon outside the tree is refused by name (exit 3), the process unharmed; fds in flight and an unaccepted connection too"
exit 0
