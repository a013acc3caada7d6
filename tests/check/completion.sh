#!/bin/bash
# contrib/completion/lmig: completes commands, options and their values,
# and offers exactly the commands of `lmig --help` and at least the
# options of each `lmig COMMAND --help`.
src=${top_srcdir:-$(dirname "$0")/../..}
# shellcheck source=/dev/null
. "$src/contrib/completion/lmig" || { echo "FAIL: cannot source the completion"; exit 1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0

comp() { # WORDS... (the last is the word being completed)
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_lmig 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect() { # WHAT WANT GOT
	[ "$2" = "$3" ] || { echo "FAIL: $1: got '$3', want '$2'"; fail=1; }
}

expect "a command" "check" "$(comp lmig ch)"
expect "every command" "check dump pageserver precopy restore show" "$(comp lmig '')"
expect "command after global options" "dump" "$(comp lmig -v --log-file /tmp/x du)"
expect "global options" "--verbose --version" "$(comp lmig --ver)"
expect "options" "--tracker --transport" "$(comp lmig precopy --tr)"
expect "options after values" "--leave-running" "$(comp lmig dump --pid 1 -D /tmp --le)"
expect "no value for --to" "" "$(comp lmig precopy --to '')"
expect "transports" "rdma tcp uring" "$(comp lmig precopy --transport '')"
expect "--transport=VALUE, split" "uring" "$(comp lmig pageserver --transport = u)"
expect "--transport=, split" "=rdma =tcp =uring" "$(comp lmig pageserver --transport =)"
expect "trackers" "uffd-wp" "$(comp lmig precopy --tracker u)"
expect "compressors" "lz4" "$(comp lmig precopy --compress '')"
expect "no pids for precopy -t (--to)" "" "$(comp lmig precopy -t 1)"

pids=" $(comp lmig dump --pid '') "
[[ $pids == *" $$ "* ]] || { echo "FAIL: --pid does not offer this shell's pid $$"; fail=1; }
pids=" $(comp lmig dump -t '') "
[[ $pids == *" $$ "* ]] || { echo "FAIL: dump -t (--tree) does not offer pids"; fail=1; }

mkdir "$tmp/d1" "$tmp/d2" && : >"$tmp/dfile"
expect "-D: directories only" "$tmp/d1 $tmp/d2" "$(comp lmig restore -D "$tmp/d")"
expect "--images-dir" "$tmp/d1 $tmp/d2" "$(comp lmig show --images-dir "$tmp/d")"
expect "--log-file: files" "$tmp/d1 $tmp/d2 $tmp/dfile" "$(comp lmig --log-file "$tmp/d")"

# The same commands and options as the binary.
if [ -n "$LMIG" ]; then
	cmds=$("$LMIG" --help | sed -n '/^Commands:/,/^$/p' | awk 'NF > 1 { print $1 }' | sort | tr '\n' ' ')
	expect "commands of lmig --help" "${cmds% }" "$(comp lmig '')"
	for cmd in $cmds; do
		"$LMIG" "$cmd" --help >"$tmp/help" 2>&1
		[ $? -eq 3 ] && { echo "note: lmig $cmd is not built: its options are not checked"; continue; }
		offered=" $(comp lmig "$cmd" -) "
		for o in $(grep -oE -- '(^|[ ,])(-[a-zA-Z],|--[a-z][a-z0-9-]*)' "$tmp/help" | tr -d ' ,' | sort -u); do
			[[ $offered == *" $o "* ]] ||
				{ echo "FAIL: lmig $cmd: option $o is not completed"; fail=1; }
		done
	done
fi
exit $fail
