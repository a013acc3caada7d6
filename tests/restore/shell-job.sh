#!/bin/bash
# A shell loop started as the job of an interactive shell on pty A:
# refused by `lmig dump` without --shell-job (it counts on), dumped with
# it, restored with --shell-job from a shell on pty B, where it counts on
# in the foreground; a loop that owns its pty is refused (see
# shell-job.py).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
timeout -k 5 150 python3 "$(dirname "$0")/shell-job.py" "$LMIG" "$work" shell-job ||
	fail "see above"
timeout -k 5 60 python3 "$(dirname "$0")/shell-job.py" "$LMIG" "$work" own-tty ||
	fail "see above"
echo "PASS $name"
