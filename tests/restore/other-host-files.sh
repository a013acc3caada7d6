#!/bin/bash
# Another host has its own copies of every file a process maps. python3
# (the interpreter, libc, OpenSSL and decimal extension modules) is
# dumped, then restored in a mount namespace where each file its areas
# map is a copy (cp -p: the same bytes, size and mtime, another inode)
# bind-mounted over the original: the restore takes them by their
# identity, and python3 goes on computing with the copies mapped.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
command -v unshare >/dev/null || { echo "SKIP $name: no unshare (util-linux)"; exit 77; }
mkfifo "$work/fifo" || fail "cannot make the fifo"
python3 -c '
import sys, hashlib, decimal
def work():
    return (hashlib.sha256(b"lmig" * 1000).hexdigest(), str(decimal.Decimal(1) / decimal.Decimal(7)))
before = work()
out = open(sys.argv[2], "w")
out.write("READY\n"); out.flush()
open(sys.argv[1], "rb", buffering=0).read(1)
libc = [l.split()[4] for l in open("/proc/self/maps") if "libc.so" in l][0]
out.write(("PASS libc-inode=%s\n" % libc) if work() == before else "FAIL: results changed\n"); out.flush()
' "$work/fifo" "$work/out" </dev/null >/dev/null 2>"$work/stderr" &
pid=$!
pids="$pid"
wait_for "$work/out" '^READY' 30 || fail "no READY within 30 s"
dump_kill "$pid"

"$LMIG" show -D "$work/img" --json | python3 -c '
import json, sys
paths = set()
for img in json.load(sys.stdin)["images"]:
    if img["kind"] == "mm":
        for rec in img["records"]:
            for v in rec.get("vmas", []):
                if v.get("path") and not v.get("file_deleted"):
                    paths.add(v["path"])
print("\n".join(sorted(paths)))
' >"$work/mapped" || fail "cannot list the mapped files"
grep -q "libc.so" "$work/mapped" || fail "libc is not among the mapped files: $(cat "$work/mapped")"
mkdir "$work/copies"
timeout 60 unshare -m --propagation private bash -c '
	i=0
	while read -r f; do
		i=$((i + 1))
		cp -p "$f" "$1/copies/$i" && mount --bind "$1/copies/$i" "$f" || exit 1
	done <"$1/mapped"
	exec "$2" restore -D "$1/img" --detach --log-file "$1/log"
' - "$work" "$LMIG" || fail "restore over copies of the $(wc -l <"$work/mapped") mapped files failed"
kill -0 "$pid" 2>/dev/null || fail "restored pid $pid does not exist"
echo go >"$work/fifo"
wait_for "$work/out" '^(PASS|FAIL)' 30 || fail "no verdict within 30 s"
grep -q '^PASS' "$work/out" || fail "python3 reported: $(tail -n 1 "$work/out")"
copy=$(grep -n "libc.so" "$work/mapped" | head -1 | cut -d: -f1)
want=$(stat -c %i "$work/copies/$copy")
grep -q "libc-inode=$want\$" "$work/out" ||
	fail "python3 maps libc inode $(sed -n 's/.*libc-inode=//p' "$work/out"), not its copy's $want"
echo "PASS $name: python3 restored over copies of its $(wc -l <"$work/mapped") mapped files (libc inode $want)"
