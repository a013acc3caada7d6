#!/bin/bash
# Another host has its own copy of every mapped file: another inode and
# device. A copy of sleep (an ELF object with a build-id) runs from
# $work/prog; after the dump that file is replaced by copies of another
# inode (the original kept as $work/orig, so that no copy gets its inode
# number again). Copies that differ are refused, naming what differs: one byte
# longer (size), the same bytes touched (mtime), one byte of the build-id
# flipped with size and mtime kept (build-id). A copy with the same
# bytes, size and mtime (cp -p) is taken and the process runs from it.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
command -v readelf >/dev/null || { echo "SKIP $name: no readelf (binutils)"; exit 77; }
cp -p "$(command -v sleep)" "$work/prog" || fail "cannot copy sleep"
bid=$(readelf -n "$work/prog" | awk '/Build ID:/ { print $3 }')
[ -n "$bid" ] || { echo "SKIP $name: this sleep has no build-id"; exit 77; }
"$work/prog" 300 &
pid=$!
pids=$pid
dump_kill "$pid"
old_ino=$(stat -c %i "$work/prog")
ln "$work/prog" "$work/orig"
cp -p "$work/prog" "$work/good"

# install FILE: it becomes $work/prog (a new inode), with the dumped file's mtime unless told.
install_as_prog() {
	mv "$1" "$work/prog" || fail "cannot install $1"
}

# refused TEXT: the restore fails with "not the file that was mapped (...TEXT".
refused() {
	rm -f "$work/log"
	timeout 60 "$LMIG" restore -D "$work/img" --detach --log-file "$work/log" 2>/dev/null &&
		fail "restore took a file that differs ($1)"
	grep -q "not the file that was mapped (.*$1" "$work/log" ||
		fail "the refusal does not say \"$1\": $(grep -m1 error "$work/log")"
	kill -0 "$pid" 2>/dev/null && fail "pid $pid exists after a refused restore"
	return 0
}

cp -p "$work/good" "$work/x" && printf x >>"$work/x" && touch -r "$work/good" "$work/x"
install_as_prog "$work/x"
refused "bytes, was"

cp -p "$work/good" "$work/x" && touch -d 2001-01-01 "$work/x"
install_as_prog "$work/x"
refused "modified at"

cp -p "$work/good" "$work/x"
python3 -c '
import sys
path, bid = sys.argv[1], bytes.fromhex(sys.argv[2])
data = bytearray(open(path, "rb").read())
at = data.find(bid)
if at < 0:
    sys.exit("build-id bytes not found")
data[at + len(bid) - 1] ^= 0xff
open(path, "r+b").write(data)
' "$work/x" "$bid" || fail "cannot flip the build-id"
touch -r "$work/good" "$work/x"
install_as_prog "$work/x"
refused "another ELF build-id"

cp -p "$work/good" "$work/x"
install_as_prog "$work/x"
rm -f "$work/log"
[ "$(stat -c %i "$work/prog")" != "$old_ino" ] || fail "the copy kept the inode"
restore_detach "$pid"
grep "$work/prog" "/proc/$pid/maps" | awk '{ print $5 }' | sort -u | grep -qx "$(stat -c %i "$work/prog")" ||
	fail "the restored process does not map the new copy"
echo "PASS $name: a mapped ELF file of another inode is taken when size, mtime and build-id match, refused by name otherwise"
