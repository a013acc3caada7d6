#!/bin/bash
# A real event loop across dump, kill and restore: python3's asyncio (an
# epoll, its self-pipe socketpair, a listening TCP socket, timers) serves
# on; after restore a client is answered and a 50 ms periodic task keeps
# its pace. Exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/../restore/lib.sh"

command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
python3 -c '
import asyncio, sys, time
ticks = 0
async def ticker():
    global ticks
    while True:
        await asyncio.sleep(0.05)
        ticks += 1
async def handle(r, w):
    line = (await r.readline()).strip()
    if line == b"pace":
        t0, n0 = time.monotonic(), ticks
        await asyncio.sleep(1.0)
        w.write(b"%d %.3f\n" % (ticks - n0, time.monotonic() - t0))
    else:
        w.write(line.upper() + b"\n")
    await w.drain()
    w.close()
async def main():
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    task = asyncio.ensure_future(ticker())
    with open(sys.argv[1], "w") as out:
        out.write("READY %d\n" % port)
    await asyncio.sleep(3600)
asyncio.run(main())
' "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s"
port=$(awk '/^READY/ { print $2 }' "$work/out")

# ask LINE: the server's one-line answer (bounded).
ask() {
	timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(sys.argv[2].encode() + b"\n")
print(s.makefile().readline().strip())
' "$port" "$1"
}
[ "$(ask hello)" = HELLO ] || fail "no answer before the dump"
ls -l /proc/$pid/fd | grep -q eventpoll || fail "python3 has no epoll"

dump_kill "$pid"
restore_detach "$pid"
[ "$(ask again)" = AGAIN ] || fail "no answer after restore"
read -r n secs <<<"$(ask pace)"
# 20 ticks of 50 ms in a second; allow a loaded machine some slack.
[ "${n:-0}" -ge 15 ] && [ "${n:-0}" -le 21 ] ||
	fail "the 50 ms task ticked ${n:-?} times in ${secs:-?} s after restore"
[ "$(ask last)" = LAST ] || fail "no answer to a third connection"
echo "PASS $name (ticks in 1 s after restore: $n)"
