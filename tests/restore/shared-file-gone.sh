#!/bin/bash
# Small MAP_SHARED file areas whose files are gone at restore (a JVM's
# /tmp/hsperfdata_USER/PID on another host; a read-only one like glibc's
# gconv cache): their content was carried in the images, and the process
# finds it in its mappings, the writable one still writable.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
mkfifo "$work/fifo" || fail "cannot make the fifo"
head -c 32768 /dev/zero > "$work/perf"
printf 'read-only content' > "$work/ro"
python3 -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
fd = os.open(sys.argv[2], os.O_RDWR)
a = libc.mmap(None, 32768, 3, 1, fd, 0)   # PROT_READ|PROT_WRITE, MAP_SHARED
os.close(fd)                                # as the JVM does: only the mapping holds the file
rfd = os.open(sys.argv[4], os.O_RDONLY)
ro = libc.mmap(None, 4096, 1, 1, rfd, 0)    # PROT_READ, MAP_SHARED
os.close(rfd)
ctypes.memmove(a, b"lmig-1", 6); ctypes.memmove(a + 20000, b"lmig-2", 6)
out = open(sys.argv[3], "w")
out.write("READY\n"); out.flush()
open(sys.argv[1], "rb", buffering=0).read(1)
ok = ctypes.string_at(a, 6) == b"lmig-1" and ctypes.string_at(a + 20000, 6) == b"lmig-2"
ctypes.memmove(a + 100, b"more", 4)
ok = ok and ctypes.string_at(a + 100, 4) == b"more"
ok = ok and ctypes.string_at(ro, 17) == b"read-only content"
out.write("PASS\n" if ok else "FAIL: the mapping lost its content\n"); out.flush()
' "$work/fifo" "$work/perf" "$work/out" "$work/ro" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s"
dump_kill "$pid"
rm -f "$work/perf" "$work/ro"
restore_detach "$pid"
echo go > "$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 30 || fail "no verdict within 30 s"
grep -q '^PASS' "$work/out" || fail "python3 reported: $(tail -n 1 "$work/out")"
echo "PASS $name"
