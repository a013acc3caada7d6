#!/bin/bash
# A small MAP_SHARED file area whose file is gone at restore (a JVM's
# /tmp/hsperfdata_USER/PID on another host): its content was carried in the
# images, and the process finds it in its mapping, which still works.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
mkfifo "$work/fifo" || fail "cannot make the fifo"
head -c 32768 /dev/zero > "$work/perf"
python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
fd = os.open(sys.argv[2], os.O_RDWR)
a = libc.mmap(None, 32768, 3, 1, fd, 0)   # PROT_READ|PROT_WRITE, MAP_SHARED
os.close(fd)                                # as the JVM does: only the mapping holds the file
ctypes.memmove(a, b"lmig-1", 6); ctypes.memmove(a + 20000, b"lmig-2", 6)
out = open(sys.argv[3], "w")
out.write("READY\n"); out.flush()
open(sys.argv[1], "rb", buffering=0).read(1)
ok = ctypes.string_at(a, 6) == b"lmig-1" and ctypes.string_at(a + 20000, 6) == b"lmig-2"
ctypes.memmove(a + 100, b"more", 4)
ok = ok and ctypes.string_at(a + 100, 4) == b"more"
out.write("PASS\n" if ok else "FAIL: the mapping lost its content\n"); out.flush()
' "$work/fifo" "$work/perf" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s"
dump_kill "$pid"
rm -f "$work/perf"
restore_detach "$pid"
echo go > "$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 30 || fail "no verdict within 30 s"
grep -q '^PASS' "$work/out" || fail "python3 reported: $(tail -n 1 "$work/out")"
echo "PASS $name"
