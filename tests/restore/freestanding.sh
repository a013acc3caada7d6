#!/bin/bash
# The restorer blob is freestanding and position-independent: no
# undefined symbols, no dynamic section, no relocations, the same bytes
# when linked at another address, and the unmap gadget where lmig
# expects it (RST_GADGET_OFFSET).
set -u
top_builddir=${top_builddir:?}
top_srcdir=${top_srcdir:?}
d=$top_builddir/restorer
elf=$d/restorer.elf
fail() { echo "FAIL freestanding: $*"; exit 1; }

[ -f "$elf" ] || fail "$elf is not built"
undef=$(nm -u "$elf")
[ -z "$undef" ] || fail "undefined symbols: $undef"
readelf -d "$elf" 2>&1 | grep -q 'no dynamic section' || fail "it has a dynamic section"
[ -z "$(readelf -r "$elf" | grep -v 'There are no relocations')" ] || fail "it has relocations"
readelf -l "$elf" | grep -q INTERP && fail "it asks for an interpreter"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -nostdlib -static -Wl,--no-dynamic-linker -Wl,--build-id=none -Wl,-z,noexecstack \
	-Wl,--defsym=RESTORER_BASE=0x7f0000000000 -Wl,-T,"$top_srcdir/restorer/restorer.lds" \
	-o "$tmp/moved.elf" "$d"/*.o || fail "cannot relink it"
objcopy -O binary "$tmp/moved.elf" "$tmp/moved.bin" || fail "objcopy failed"
cmp -s "$d/restorer.bin" "$tmp/moved.bin" || fail "its bytes depend on where it is linked"
gadget=$(od -An -tx1 -j16 -N2 "$d/restorer.bin" | tr -d ' ')
[ "$gadget" = 0f05 ] || fail "no syscall instruction at offset 16 (found $gadget)"
echo "PASS freestanding ($(stat -c %s "$d/restorer.bin") bytes)"
