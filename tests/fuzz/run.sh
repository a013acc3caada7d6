#!/bin/sh
# Build the image reader's libFuzzer target with clang (ASan + UBSan) and
# run it briefly on seeds made by img-gen. Usage (or `make fuzz`):
#     tests/fuzz/run.sh BUILDDIR [SECONDS]
# BUILDDIR is a configured lmig build tree (for the generated protobuf-c
# sources and img-gen). Exit 0 when no crash was found, 1 when one was
# (the reproducer is in BUILDDIR/tests/fuzz/), 77 when clang is missing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILDDIR [SECONDS]}" && pwd) || exit 1
secs=${2:-20}
cc=${CLANG:-clang-14}
out=$build/tests/fuzz

command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (apt-get install clang-14)"; exit 77; }
make -C "$build" -s tests/unit/img-gen || exit 1
mkdir -p "$out/seeds" "$out/corpus" || exit 1

echo "run.sh: building $out/fuzz-image"
# shellcheck disable=SC2046
"$cc" -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -Wno-unused-parameter -Werror \
	-I"$top/src" -I"$build/images" -I"$build" \
	"$top/tests/fuzz/fuzz-image.c" \
	"$top/src/image/image.c" "$top/src/image/pages.c" "$top/src/crc32c.c" "$top/src/log.c" \
	"$top/src/show/pb-walk.c" "$top/src/show/pb-json.c" "$top/src/show/pb-text.c" \
	$(ls "$build"/images/*.pb-c.c) \
	$(pkg-config --cflags --libs libprotobuf-c) \
	-o "$out/fuzz-image" || exit 1

"$build/tests/unit/img-gen" --seeds "$out/seeds" || exit 1

echo "run.sh: fuzzing for $secs s"
cd "$out" || exit 1
# -close_fd_mask=2: the reader logs an error line per bad input; libFuzzer
# and the sanitizers keep their own copy of stderr for reports.
./fuzz-image -max_total_time="$secs" -close_fd_mask=2 -max_len=65536 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 corpus seeds
rc=$?
[ $rc -eq 0 ] && echo "run.sh: no crash in $secs s" || echo "run.sh: the fuzzer found a problem (exit $rc); reproducer in $out"
[ $rc -eq 0 ]
