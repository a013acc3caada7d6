#!/bin/sh
# Action scripts and the network lock's life: a post-dump script that
# fails aborts the dump (the server runs on, the lock is removed, the
# stages network-lock, post-dump, network-unlock, rollback run in that
# order); a dump that succeeds runs network-lock and post-dump and keeps
# the lock for the restore, which runs pre-restore, network-lock,
# post-restore, network-unlock. The clients stream throughout and see
# every byte once.
. "$top_srcdir/tests/sockets/lib.sh"
sk_init actions

cat >"$work/script" <<EOS
echo "\$LMIG_SCRIPT_STAGE \$LMIG_PID \$LMIG_IMAGES_DIR" >>"$work/stages"
[ ! -e "$work/fail-\$LMIG_SCRIPT_STAGE" ]
EOS

sk_server 127.0.0.1 "$port"
sk_clients 2 127.0.0.1 "$port" 4000000 --rate 700
sleep 1

: >"$work/fail-post-dump"
sk_dump --pid "$server" -D "$work/img" --tcp-established --action-script "sh $work/script" &&
	sk_fail "the dump succeeded although its post-dump script failed"
kill -0 "$server" 2>/dev/null || sk_fail "the server died after an aborted dump"
grep -q "stage post-dump: sh $work/script failed (exit status 1)" "$work/dump.log" ||
	sk_fail "the failing script is not named"
[ -e "$work/img/inventory.img" ] && sk_fail "an aborted dump left inventory.img"
expect="network-lock post-dump network-unlock rollback"
got=$(awk '{printf "%s%s", s, $1; s=" "}' "$work/stages")
[ "$got" = "$expect" ] || sk_fail "aborted dump: stages '$got', expected '$expect'"
awk -v p="$server" -v d="$work/img" '$2 != p || $3 != d { exit 1 }' "$work/stages" ||
	sk_fail "LMIG_PID or LMIG_IMAGES_DIR wrong: $(cat "$work/stages")"

rm -f "$work/fail-post-dump" "$work/stages"
sleep 0.5
sk_dump --pid "$server" -D "$work/img" --tcp-established --action-script "sh $work/script" ||
	sk_fail "dump failed"
wait "$server" 2>/dev/null
sk_gone "$server" 10 || sk_fail "pid $server still exists after the dump"
sk_restore -D "$work/img" --detach --action-script "sh $work/script" || sk_fail "restore failed"
expect="network-lock post-dump pre-restore network-lock post-restore network-unlock"
got=$(awk '{printf "%s%s", s, $1; s=" "}' "$work/stages")
[ "$got" = "$expect" ] || sk_fail "dump and restore: stages '$got', expected '$expect'"
sk_wait_clients 60 || sk_fail "a client failed"
echo "PASS actions: stages in order, a failing post-dump script rolls back, clients unharmed"
exit 0
