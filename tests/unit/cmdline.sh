#!/bin/sh
# The lmig command line: help, version, unknown commands, exit codes.
fail=0
check() { # DESCRIPTION EXPECTED_RC CMD...
	what=$1 want=$2
	shift 2
	"$@" >/tmp/lmig-cmdline.$$ 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL: $what: exit $rc, want $want"
		sed 's/^/  /' /tmp/lmig-cmdline.$$
		fail=1
	fi
}
check "--help" 0 "$LMIG" --help
check "--version" 0 "$LMIG" --version
"$LMIG" --version | grep -q '^lmig [0-9]' || { echo "FAIL: --version output"; fail=1; }
check "no command" 2 "$LMIG"
check "unknown command" 2 "$LMIG" frobnicate
"$LMIG" frobnicate 2>&1 | grep -q "unknown command 'frobnicate'" || { echo "FAIL: unknown command message"; fail=1; }
check "--log-file without a name" 2 "$LMIG" check --log-file
for cmd in check dump restore pageserver precopy show; do
	check "$cmd --help" 0 "$LMIG" "$cmd" --help
	check "$cmd --bogus-option" 2 "$LMIG" "$cmd" --bogus-option
done
check "log file in a missing directory" 1 "$LMIG" --log-file /nonexistent/dir/x.log show -D /nonexistent
rm -f /tmp/lmig-cmdline.$$
exit $fail
