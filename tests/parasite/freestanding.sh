#!/bin/sh
# The parasite blob is freestanding and position-independent: it links
# with nothing undefined, has no libc, loader, interpreter or dynamic
# section, is one read+exec segment with its entry at offset 0, and every
# relocation the link resolved (kept by --emit-relocs) is PC-relative, so
# the flat copy runs at whatever address the target's mmap returns.
# Exit 0 pass, 1 fail, 77 skip.
elf=${top_builddir:?}/parasite/parasite.elf
bin=$top_builddir/parasite/parasite.bin
READELF=${READELF:-readelf}
NM=${NM:-nm}

fail() { echo "FAIL: $*"; exit 1; }

for tool in "$READELF" "$NM"; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed (binutils)"; exit 77; }
done
[ -f "$elf" ] && [ -f "$bin" ] || fail "$elf or $bin not built"

undef=$("$NM" -u "$elf") || fail "nm -u $elf"
[ -z "$undef" ] || fail "undefined symbols: $undef"

# no libc pieces (a static libc would bring these)
"$NM" "$elf" | grep -E ' (_start|__libc_[a-z_]*|errno|_dl_[a-z_]*|printf|malloc)$' &&
	fail "libc symbols linked in"

hdr=$("$READELF" -hW "$elf") || fail "readelf -h"
echo "$hdr" | grep -q 'Type: *EXEC' || fail "not a fully linked executable"
echo "$hdr" | grep -q 'Entry point address: *0x0$' || fail "entry is not at offset 0"

phdrs=$("$READELF" -lW "$elf") || fail "readelf -l"
echo "$phdrs" | grep -Eq '^ *(INTERP|DYNAMIC|TLS) ' && fail "has an INTERP, DYNAMIC or TLS segment"
nload=$(echo "$phdrs" | grep -c '^ *LOAD ')
[ "$nload" -eq 1 ] || fail "$nload LOAD segments, want 1"
echo "$phdrs" | grep '^ *LOAD ' | grep -q ' R E ' || fail "the segment is not read+exec"

sections=$("$READELF" -SW "$elf") || fail "readelf -S"
for s in .interp .dynamic .dynsym .rela.dyn .got .got.plt .plt; do
	echo "$sections" | grep -Fq " $s " && fail "has a $s section"
done

relocs=$("$READELF" -rW "$elf") || fail "readelf -r"
types=$(echo "$relocs" | awk '$3 ~ /^R_X86_64_/ { print $3 }' | sort -u)
[ -n "$types" ] || fail "no relocations kept (was it linked with --emit-relocs?)"
for t in $types; do
	case $t in
	R_X86_64_PC32|R_X86_64_PLT32|R_X86_64_PC64|R_X86_64_NONE) ;;
	*) fail "relocation $t is not PC-relative: the blob would need a loader" ;;
	esac
done

# the flat image is exactly the segment
filesz=$(echo "$phdrs" | awk '$1 == "LOAD" { print $5 }')
binsz=$(wc -c < "$bin")
[ "$((filesz))" -eq "$binsz" ] || fail "parasite.bin is $binsz bytes, the segment $((filesz))"

# and it is what liblmig.a carries
"$NM" "$top_builddir/liblmig.a" 2>/dev/null | grep -q ' R parasite_blob$' ||
	fail "parasite_blob not in liblmig.a"

echo "ok: parasite.elf is freestanding ($binsz bytes; relocations: $(echo $types))"
exit 0
