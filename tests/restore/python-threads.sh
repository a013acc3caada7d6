#!/bin/bash
# python3 with five threads, each blocked somewhere else while it is
# dumped: in Queue.get, in time.sleep, in acquiring a Lock, in a UDP
# socket's recv, and one counting in a loop (the main thread is blocked
# opening a FIFO). Before the dump the test checks in /proc that each
# thread is in the system call it should be in. The process is dumped
# (killed) and restored into its own pid namespace (--new-pidns). Then the
# test sends a datagram and lets the main thread go, which puts an item
# in the queue and releases the lock; every thread must return with what
# it waited for, under the same thread id (gettid) as before, the sleep
# must have lasted its whole length, the counter must move again and a
# dict built before the dump must be unchanged.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
ns_init=
restored=
cleanup_ns() {
	for p in $restored $ns_init; do
		kill -9 "$p" 2>/dev/null
	done
	cleanup
}
trap cleanup_ns EXIT

mkfifo "$work/fifo" || fail "cannot make the fifo"
cat >"$work/threads.py" <<'EOF'
import os, queue, socket, sys, threading, time

SLEEP = 6.0
out = open(sys.argv[2], "w", buffering=1)
out_lock = threading.Lock()
def say(*words):
    with out_lock:
        out.write(" ".join(str(w) for w in words) + "\n")

d = {i: i * i for i in range(100000)}
q = queue.Queue()
held = threading.Lock()
held.acquire()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(("127.0.0.1", 0))
stop = threading.Event()
count = [0]
result = {}
before = {}
started = threading.Semaphore(0)

def start(name):
    before[name] = threading.get_native_id()
    started.release()

def finish(name, value):
    result[name] = (value, threading.get_native_id())

def queue_waiter():
    start("queue")
    finish("queue", q.get())

def sleeper():
    start("sleep")
    t0 = time.monotonic()
    time.sleep(SLEEP)
    finish("sleep", "%.3f" % (time.monotonic() - t0))

def locker():
    start("lock")
    held.acquire()
    finish("lock", "acquired")

def receiver():
    start("recv")
    finish("recv", udp.recv(100).decode())

def counter():
    start("count")
    while not stop.is_set():
        count[0] += 1
        time.sleep(0.005)
    finish("count", count[0])

threads = [threading.Thread(target=f, name=f.__name__)
           for f in (queue_waiter, sleeper, locker, receiver, counter)]
for t in threads:
    t.start()
for t in threads:
    started.acquire()
time.sleep(0.3)
say("PORT", udp.getsockname()[1])
for name, tid in sorted(before.items()):
    say("TID", name, tid)
say("READY", os.getpid(), threading.active_count())

open(sys.argv[1], "rb", buffering=0).read(1)
seen = count[0]
time.sleep(0.2)
moved = count[0] > seen
q.put("item-42")
held.release()
stop.set()
for t in threads:
    t.join(timeout=30)
bad = [t.name for t in threads if t.is_alive()]
if bad:
    say("FAIL threads still blocked:", *bad)
    sys.exit(1)
want = {"queue": "item-42", "lock": "acquired", "recv": "dgram-7"}
errors = []
for name, tid in before.items():
    value, tid_after = result[name]
    say("RESULT", name, value, tid, tid_after)
    if tid_after != tid:
        errors.append("%s: thread id %d became %d" % (name, tid, tid_after))
    if name in want and value != want[name]:
        errors.append("%s: got %r, not %r" % (name, value, want[name]))
if float(result["sleep"][0]) < SLEEP - 0.01:
    errors.append("time.sleep(%g) returned after %s s" % (SLEEP, result["sleep"][0]))
if not moved:
    errors.append("the counting thread did not move after the restore")
if len(d) != 100000 or any(d[i] != i * i for i in range(100000)):
    errors.append("the dict changed")
say("FAIL " + "; ".join(errors) if errors else "PASS")
EOF
python3 "$work/threads.py" "$work/fifo" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids=$pid
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s: $(tail -n 3 "$work/stderr")"
port=$(awk '$1 == "PORT" { print $2 }' "$work/out")
echo "python3 pid $pid: $(grep '^READY' "$work/out" | cut -d' ' -f3) threads"

# Each thread where it should be: x86_64 system call numbers of
# /proc/PID/task/TID/syscall (futex 202, clock_nanosleep 230, recvfrom 45,
# openat 257 for the main thread opening the FIFO).
# A thread may not have reached its call yet on a loaded machine: look
# again for up to 10 s.
want_syscall() {
	local tid=$1 what=$2 nr end=$((SECONDS + 10))
	shift 2
	while :; do
		nr=$(cut -d' ' -f1 "/proc/$pid/task/$tid/syscall" 2>/dev/null)
		for w in "$@"; do
			[ "$nr" = "$w" ] && return 0
		done
		[ $SECONDS -le $end ] || break
		sleep 0.05
	done
	fail "thread $tid ($what) is in system call '$nr', not ${*}"
}
want_syscall "$pid" main 257
while read -r _ what tid; do
	case $what in
	queue | lock) want_syscall "$tid" "$what" 202 ;;
	sleep) want_syscall "$tid" "$what" 230 ;;
	count) want_syscall "$tid" "$what" 230 202 running ;;
	recv) want_syscall "$tid" "$what" 45 ;;
	esac
done < <(grep '^TID' "$work/out")

dump_kill "$pid"
timeout 60 "$LMIG" restore -D "$work/img" --new-pidns --detach --pidfile "$work/restored.pid" \
	--log-file "$work/log" || fail "lmig restore --new-pidns failed"
restored=$(cat "$work/restored.pid" 2>/dev/null)
[ -n "$restored" ] && [ -d "/proc/$restored" ] || fail "no restored process"
ns_init=$(awk '/^PPid:/ { print $2 }' "/proc/$restored/status")
nspid=$(awk '/^NSpid:/ { print $NF }' "/proc/$restored/status")
[ "$nspid" = "$pid" ] || fail "restored as pid $nspid in its namespace, not $pid"
[ "$(ls "/proc/$restored/task" | wc -l)" = 6 ] || fail "restored with $(ls "/proc/$restored/task" | wc -l) threads, not 6"
echo "restored as host pid $restored (pid $nspid in its own pid namespace, init $ns_init)"

python3 -c 'import socket, sys; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"dgram-7", ("127.0.0.1", int(sys.argv[1])))' \
	"$port" || fail "cannot send the datagram"
echo go >"$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 40 || fail "no verdict within 40 s"
grep '^RESULT' "$work/out"
grep -q '^PASS' "$work/out" || fail "$(grep '^FAIL' "$work/out")"
echo "PASS $name"
