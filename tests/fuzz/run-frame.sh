#!/bin/sh
# Build the transport frame decoder's libFuzzer target (clang-14, ASan +
# UBSan) and run it briefly on seed streams it writes itself. Usage (or
# `make fuzz-frame`):
#     tests/fuzz/run-frame.sh BUILDDIR [SECONDS]
# BUILDDIR is a configured lmig build tree (for config.h). Exit 0 when
# no crash was found, 1 when one was (the reproducer is in
# BUILDDIR/tests/fuzz/frame/), 77 when clang is missing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run-frame.sh BUILDDIR [SECONDS]}" && pwd) || exit 1
secs=${2:-20}
cc=${CLANG:-clang-14}
out=$build/tests/fuzz/frame

command -v "$cc" >/dev/null || { echo "run-frame.sh: $cc not found (apt-get install clang-14)"; exit 77; }
mkdir -p "$out/seeds" "$out/corpus" || exit 1
srcs="$top/src/transport/frame.c $top/src/crc32c.c"
flags="-std=gnu11 -g -O1 -Wall -Wextra -Wno-unused-parameter -Werror -I$top/src -I$build"

echo "run-frame.sh: building $out/fuzz-frame"
# shellcheck disable=SC2086
"$cc" $flags -DFUZZ_SEEDS "$top/tests/fuzz/fuzz-frame.c" $srcs -llz4 -o "$out/seed-gen" &&
"$out/seed-gen" "$out/seeds" &&
"$cc" $flags -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	"$top/tests/fuzz/fuzz-frame.c" $srcs -llz4 -o "$out/fuzz-frame" || exit 1

echo "run-frame.sh: fuzzing for $secs s"
cd "$out" || exit 1
# The decoder allocates nothing; a small RSS limit proves it stays bounded.
./fuzz-frame -max_total_time="$secs" -max_len=1100000 -timeout=10 \
	-rss_limit_mb=512 -print_final_stats=1 corpus seeds
rc=$?
[ $rc -eq 0 ] && echo "run-frame.sh: no crash in $secs s" || echo "run-frame.sh: the fuzzer found a problem (exit $rc); reproducer in $out"
[ $rc -eq 0 ]
