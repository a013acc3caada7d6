#!/bin/sh
# acceptq.sh over IPv6 (::1).
ACCEPTQ_ADDR=::1 ACCEPTQ_NAME=acceptq6
export ACCEPTQ_ADDR ACCEPTQ_NAME
exec /bin/sh "$top_srcdir/tests/sockets/acceptq.sh" "$@"
