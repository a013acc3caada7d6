#!/bin/sh
# man/lmig.8 renders without warnings and documents what the binary offers:
# every command of `lmig --help` has its subsection, and every option of
# `lmig --help` and of `lmig COMMAND --help` is described (each command's
# in its own subsection).
src=${top_srcdir:-$(dirname "$0")/../..}
page=$src/man/lmig.8
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

command -v groff >/dev/null || { echo "SKIP: groff is not installed"; exit 77; }

groff -man -ww -z "$page" >"$tmp/warnings" 2>&1
if [ -s "$tmp/warnings" ]; then
	echo "FAIL: groff warns about $page:"
	sed 's/^/  /' "$tmp/warnings"
	fail=1
fi
# One long line per paragraph, plain ASCII, so that options are whole words.
groff -man -Tascii -rLL=400n -P-cbou "$page" >"$tmp/page" 2>/dev/null

# Options mentioned in a --help text: "-x," and "--long-name".
opts_of() {
	grep -oE -- '(^|[ ,])(-[a-zA-Z],|--[a-z][a-z0-9-]*)' "$1" | tr -d ' ,' | sort -u
}

"$LMIG" --help >"$tmp/help" || { echo "FAIL: lmig --help"; exit 1; }
cmds=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NF > 1 { print $1 }')
[ -n "$cmds" ] || { echo "FAIL: no commands in lmig --help"; exit 1; }

for o in $(sed -n '/^Global options/,/^$/p' "$tmp/help" >"$tmp/g"; opts_of "$tmp/g"); do
	sed -n '/^GLOBAL OPTIONS/,/^COMMANDS/p' "$tmp/page" | grep -q -- "$o\\b" ||
		{ echo "FAIL: global option $o is not in GLOBAL OPTIONS"; fail=1; }
done

for cmd in $cmds; do
	# The subsection: from its heading (3 spaces in) to the next heading.
	awk -v c="$cmd" '/^   [a-z]/ { on = ($1 == c) } /^[A-Z]/ { on = 0 } on' "$tmp/page" >"$tmp/sec"
	if [ ! -s "$tmp/sec" ]; then
		echo "FAIL: no subsection for command '$cmd'"
		fail=1
		continue
	fi
	"$LMIG" "$cmd" --help >"$tmp/cmdhelp" 2>&1
	case $? in
	0) ;;
	3) echo "note: lmig $cmd is not built: its options are not checked"; continue ;;
	*) echo "FAIL: lmig $cmd --help"; fail=1; continue ;;
	esac
	for o in $(opts_of "$tmp/cmdhelp"); do
		o=${o%,}
		[ "$o" = --help ] || [ "$o" = -h ] && continue
		grep -qE -- "(^|[ ,(\[])$o([ ,=)]|\$)" "$tmp/sec" ||
			{ echo "FAIL: lmig $cmd: option $o is not in its subsection of lmig(8)"; fail=1; }
	done
done

for s in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" FILES ENVIRONMENT "SEE ALSO"; do
	grep -q "^$s\$" "$tmp/page" || { echo "FAIL: no $s section"; fail=1; }
done
exit $fail
