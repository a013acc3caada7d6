#!/bin/sh
# lmig show on a valid image directory (text and JSON) and on damaged ones:
# a damaged set must give exit 1, exactly one "lmig: error:" line on stderr,
# nothing else there, and nothing on stdout.
gen=${top_builddir:-.}/tests/unit/img-gen
[ -n "$LMIG" ] && [ -x "$LMIG" ] || { echo "LMIG is not set to the lmig binary"; exit 1; }
[ -x "$gen" ] || { echo "$gen is not built"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is needed to validate the JSON"; exit 77; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/lmig-show.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$gen" "$tmp/good" || { echo "img-gen failed"; exit 1; }
echo "notes" >"$tmp/good/notes.txt"
mkdir "$tmp/good/subdir"

# Text.
"$LMIG" show -D "$tmp/good" >"$tmp/out" 2>"$tmp/err" || bad "show on a valid dir exited $?: $(cat "$tmp/err")"
[ -s "$tmp/err" ] && bad "show on a valid dir wrote to stderr: $(cat "$tmp/err")"
head -n 1 "$tmp/out" | grep -qx 'inventory.img: inventory, 1 record' || bad "inventory is not first: $(head -n 1 "$tmp/out")"
# Order: tree-wide images, then pid 100 (with the core of its thread 101), then pid 102, skipped last.
order=$(grep -v '^ ' "$tmp/out" | cut -d: -f1 | tr '\n' ' ')
want="inventory.img pstree.img files.img task-100.img core-100.img core-101.img mm-100.img pagemap-100.img pages-100.img fdinfo-100.img task-102.img core-102.img mm-102.img pagemap-102.img fdinfo-102.img skipped notes.txt skipped subdir "
[ "$order" = "$want" ] || bad "file order: got '$order', want '$want'"
grep -qx 'pages-100.img: pages, 12288 bytes, 3 pages' "$tmp/out" || bad "pages summary missing"
grep -qx 'pagemap-100.img: pagemap, 3 records, 4 pages, 1 of them zero' "$tmp/out" || bad "pagemap summary missing"
grep -qx 'skipped notes.txt: not an image file name' "$tmp/out" || bad "notes.txt not listed as skipped"
grep -q '^    regs: r15=0xf r14=0xe' "$tmp/out" || bad "nested message not indented"
grep -q '^  pid=100 ppid=0 pgid=100 sid=100 threads=\[100,101\] zombie=false exit_code=-1$' "$tmp/out" || bad "pstree record line"

# JSON: valid, and holding what was written.
"$LMIG" show --json -D "$tmp/good" >"$tmp/json" 2>"$tmp/err" || bad "show --json exited $?: $(cat "$tmp/err")"
python3 -m json.tool "$tmp/json" >/dev/null || bad "show --json is not valid JSON"
python3 - "$tmp/json" <<'PY' || bad "JSON content"
import base64, json, sys
d = json.load(open(sys.argv[1]))
files = {f["file"]: f for f in d["images"]}
assert d["format_version"] == 1 and d["bytes"] == "base64"
inv = files["inventory.img"]["records"][0]
assert inv["features"] == ["xsave", "rseq", "uffd-wp"], inv
assert inv["dump_time_ns"] == 1800000000123456789, inv
assert inv["hostname"] == 'h"o\\s\nt\t\x01-\u00e9-\ufffd', repr(inv["hostname"])
core = files["core-100.img"]["records"][0]
assert core["regs"]["ax"] == 2**64 - 1 and core["nice"] == -5 and core["syscall_nr"] == -1
x = base64.b64decode(core["xsave"])
assert len(x) == 128 and x[:5] == bytes([0x11, 0, 0xff, 0x7f, 0x80]) and x[127] == 0xab
assert [base64.b64decode(p["siginfo"])[:1] for p in core["pending"]] == [b"\x11", b"\xfb"]
assert files["core-101.img"]["records"][0]["tid"] == 101
mm = files["mm-100.img"]["records"][0]
assert [v["kind"] for v in mm["vmas"]] == ["VMA_FILE_PRIVATE", "VMA_STACK"]
f = files["files.img"]["records"]
assert f[0]["kind"] == "FD_REG" and f[1]["kind"] == "FD_PIPE" and len(f[0]["epoll"]["tfds"]) == 2
assert f[0]["unix_sk"]["name"] == base64.b64encode(b"\0abc").decode()
assert f[0]["unix_sk"]["queue"] == ["+/8A", ""]
assert files["pages-100.img"] == {"file": "pages-100.img", "kind": "pages", "size": 12288, "pages": 3}
pm = files["pagemap-100.img"]
assert pm["pages"] == 4 and pm["zero_pages"] == 1 and pm["data_bytes"] == 12288
assert pm["records"][1]["flags"] == 1
assert files["fdinfo-102.img"]["records"] == []
assert {s["file"] for s in d["skipped"]} == {"notes.txt", "subdir"}
PY

"$LMIG" show --help >"$tmp/out" 2>&1 || bad "show --help exited $?"
grep -q base64 "$tmp/out" || bad "--help does not say how bytes are encoded"

# Damaged sets: copy the good one, break one thing, expect one error line.
damaged() { # NAME WANT(grep pattern) COMMAND-TO-BREAK-$d
	name=$1 want=$2
	shift 2
	d="$tmp/$name"
	rm -rf "$d" && cp -r "$tmp/good" "$d"
	(cd "$d" && eval "$*") || { bad "$name: could not break the set"; return; }
	for opt in "" --json; do
		"$LMIG" show $opt -D "$d" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ "$rc" -eq 1 ] || bad "$name $opt: exit $rc, want 1"
		[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^lmig: error: ' "$tmp/err" ||
			bad "$name $opt: want one error line, got: $(cat "$tmp/err")"
		grep -q -- "$want" "$tmp/err" || bad "$name $opt: error does not say '$want': $(cat "$tmp/err")"
		[ -s "$tmp/out" ] && bad "$name $opt: wrote to stdout on failure"
	done
}
flip() { # FILE OFFSET: flip one bit
	python3 -c "import sys; p,o=sys.argv[1],int(sys.argv[2]); b=bytearray(open(p,'rb').read()); b[o]^=1; open(p,'wb').write(b)" "$1" "$2"
}
damaged crc 'core-101.img: record 1 at offset 16: checksum mismatch' 'flip core-101.img 40'
damaged magic 'mm-102.img: not an lmig image' 'flip mm-102.img 0'
damaged truncated 'task-100.img: record 1 at offset 16: truncated' 'truncate -s 30 task-100.img'
damaged no-end 'fdinfo-102.img: ends after the header' 'truncate -s 16 fdinfo-102.img'
damaged version 'files.img: format version 3, this lmig reads 1' "printf '\\003' | dd of=files.img bs=1 seek=8 conv=notrunc 2>/dev/null"
damaged type 'pstree.img: holds mm records, expected pstree' 'cp mm-100.img pstree.img'
damaged no-inventory 'no inventory.img' 'rm inventory.img'
damaged inv-version 'inventory.img: images of format version 2, this lmig reads 1' \
	'"$gen" --inventory-version 2 .'
damaged pages-short 'pages-100.img: 8192 bytes, but' 'truncate -s 8192 pages-100.img'
damaged pages-extra 'pages-102.img: 2 bytes, but .*pagemap-102.img describes 0 bytes' 'echo x >pages-102.img'
damaged pages-orphan 'pages-555.img: no pagemap-555.img describes it' 'echo x >pages-555.img'
for d in "$tmp/good/notes.txt" "$tmp/missing"; do
	"$LMIG" show -D "$d" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ "$rc" -eq 1 ] || bad "show -D $d: exit $rc, want 1"
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^lmig: error: .*cannot open the image directory' "$tmp/err" ||
		bad "show -D $d: want one error line, got: $(cat "$tmp/err")"
done

exit $fail
