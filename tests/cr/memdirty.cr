#!/bin/sh
# 64 MiB written at 20 MiB/s while it is dumped and restored (see tests/workload/memdirty.c).
exec "${top_builddir:?}/tests/workload/memdirty" --size-mib 64 --rate-mib 20 --pattern random
