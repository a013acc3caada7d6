#!/bin/sh
# tomcat.sh through live migration: lmig pageserver in host B, lmig precopy
# --tcp-established in host A (skips while either lacks what it needs).
SVC_MODE=precopy SVC_NAME=tomcat-precopy
export SVC_MODE SVC_NAME
exec /bin/sh "$top_srcdir/tests/services/tomcat.sh" "$@"
