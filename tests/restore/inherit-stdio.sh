#!/bin/bash
# A shell loop writing into a pipe to a logger, dumped; the logger dies;
# `lmig restore --inherit-stdio >FILE` makes it count on into FILE (see
# shell-job.py).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || { echo "SKIP $name: no python3"; exit 77; }
timeout -k 5 100 python3 "$(dirname "$0")/shell-job.py" "$LMIG" "$work" inherit-stdio ||
	fail "see above"
echo "PASS $name"
