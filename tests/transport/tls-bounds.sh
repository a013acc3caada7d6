#!/bin/sh
# tls-bounds (a test program) with a throwaway CA from tls-certs.sh.
set -u
. "${top_srcdir:?}/tests/transport/tls-certs.sh"
d=$(mktemp -d "${TMPDIR:-/tmp}/lmig-tls-bounds.XXXXXX")
trap 'rm -rf "$d"' EXIT
tls_certs "$d" || exit $?
TLS_CERTS=$d timeout 120 "${top_builddir:?}/tests/transport/tls-bounds"
