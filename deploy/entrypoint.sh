#!/bin/sh
# Tailor's container entrypoint (issue 16). It boots the one SQLite writer so
# that a crash can never leave the replica silently short of pages:
#
#   tailor worker        runs as is: workers never open the database.
#   tailor serve | web   the writer. Without a replica it refuses to start
#                        unless LITESTREAM=off says so. With one:
#     - an empty volume is restored from the replica (-integrity-check full);
#     - an existing database that is behind the replica (another writer, an
#       old volume snapshot) stops the boot unless LITESTREAM_PREFER=local
#       or LITESTREAM_PREFER=replica says which copy wins;
#     - `litestream replicate -once` ships what the volume holds (the WAL a
#       crash left) before Tailor writes anything;
#     - Tailor then runs under `litestream replicate -exec` with LITESTREAM=on,
#       so it never checkpoints on its own: Litestream does, after reading the
#       WAL (https://github.com/benbjohnson/litestream/issues/1164).
#   anything else        refused: run admin commands inside the running web
#                        Machine (fly ssh console -C "tailor user add ...").
#
# It never runs as a Fly release_command (RELEASE_COMMAND=1 is set there, and the
# temporary Machine has no volume: a second writer on an empty disk).
#
# Environment: DATABASE_PATH (default /data/tailor.db), LITESTREAM (on|off),
# LITESTREAM_REPLICA_URL (default s3://$BUCKET_NAME/tailor.db when BUCKET_NAME
# is set), LITESTREAM_CONFIG (default /etc/litestream.yml), LITESTREAM_PREFER
# (local|replica, for one boot after a refusal).
set -eu

log() { echo "entrypoint: $*" >&2; }
die() {
	log "$*"
	exit 1
}

cmd=${1:-serve}
[ $# -gt 0 ] || set -- serve

# flyctl sets both in a release_command Machine (internal/appconfig/machines.go,
# ToReleaseMachineConfig).
if [ -n "${RELEASE_COMMAND:-}" ] || [ "${FLY_PROCESS_GROUP:-}" = fly_app_release_command ]; then
	die "refusing to run as a Fly release_command: its temporary Machine has no volume, so Tailor would be a second writer on an empty database. Migrations run at boot; remove release_command from fly.toml."
fi

# Fly mounts a volume owned by root with no owner option
# (https://github.com/superfly/flyctl/issues/632): as root, give the database
# folder to the app's user, then drop root and every capability for good.
TAILOR_USER=${TAILOR_USER:-tailor}
if [ "$(id -u)" = 0 ] && id "$TAILOR_USER" >/dev/null 2>&1; then
	case $cmd in
	serve | web)
		dir=$(dirname "${DATABASE_PATH:-/data/tailor.db}")
		mkdir -p "$dir"
		chown -R "$TAILOR_USER:" "$dir"
		;;
	esac
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	HOME=$(getent passwd "$TAILOR_USER" | cut -d: -f6)
	export HOME
	exec setpriv --reuid="$TAILOR_USER" --regid="$(id -g "$TAILOR_USER")" --init-groups \
		--inh-caps=-all --bounding-set=-all -- /bin/sh "$self" "$@"
fi
if [ "$(id -u)" = 0 ]; then
	log "running as root: no user $TAILOR_USER to drop to (the image has one)"
fi

case $cmd in
worker | help | -h | --help) exec tailor "$@" ;;
serve | web) ;;
*) die "refusing 'tailor $cmd' here: only serve, web and worker boot through the entrypoint. Run admin commands in the running web Machine: fly ssh console -C \"tailor $*\"" ;;
esac

case ${LITESTREAM:-} in
off)
	log "LITESTREAM=off: the database is NOT replicated; a lost volume loses every job"
	exec tailor "$@"
	;;
'' | on) ;;
*) die "LITESTREAM must be on or off, not '$LITESTREAM'" ;;
esac

if [ -z "${LITESTREAM_REPLICA_URL:-}" ] && [ -n "${BUCKET_NAME:-}" ]; then
	LITESTREAM_REPLICA_URL="s3://$BUCKET_NAME/tailor.db"
fi
if [ -z "${LITESTREAM_REPLICA_URL:-}" ]; then
	die "no replica configured for the database: run 'fly storage create' (sets BUCKET_NAME) or set LITESTREAM_REPLICA_URL; LITESTREAM=off runs without one, knowingly"
fi
DATABASE_PATH=${DATABASE_PATH:-/data/tailor.db}
LITESTREAM_CONFIG=${LITESTREAM_CONFIG:-/etc/litestream.yml}
# The RPO of everything but jobs (those come back from their task): README, Durability.
LITESTREAM_SYNC_INTERVAL=${LITESTREAM_SYNC_INTERVAL:-1s}
export DATABASE_PATH LITESTREAM_REPLICA_URL LITESTREAM_CONFIG LITESTREAM_SYNC_INTERVAL
export LITESTREAM=on # tailor: wal_autocheckpoint=0 on the writer

db=$DATABASE_PATH
meta="$(dirname "$db")/.$(basename "$db")-litestream" # Litestream's local state

# restore DB: restores the replica's latest state into an absent database.
restore() {
	# A WAL or Litestream state without its database belongs to another file.
	rm -rf "$db-wal" "$db-shm" "$meta"
	mkdir -p "$(dirname "$db")"
	started=$(date +%s)
	litestream restore -config "$LITESTREAM_CONFIG" -if-replica-exists -integrity-check full "$db" ||
		die "restore from $LITESTREAM_REPLICA_URL failed (integrity check included); the volume is left empty"
	if [ -e "$db" ]; then
		log "restored $db from $LITESTREAM_REPLICA_URL in $(($(date +%s) - started)) s"
	else
		log "no replica yet at $LITESTREAM_REPLICA_URL: starting an empty database"
	fi
}

# txid_before A B: A is a lower TXID than B (16 hex digits; "-" is none).
txid_before() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || a == "") a = "0000000000000000"; exit !((a "") < (b "")) }'
}

if [ ! -e "$db" ]; then
	restore
else
	status=$(litestream status -config "$LITESTREAM_CONFIG" "$db") ||
		die "cannot read Litestream's local state of $db"
	files=$(litestream ltx -config "$LITESTREAM_CONFIG" -level all "$db") ||
		die "cannot read the replica at $LITESTREAM_REPLICA_URL: not starting a writer that could not be replicated"
	local_txid=$(printf '%s\n' "$status" | awk 'NR > 1 { print $3 }')
	replica_txid=$(printf '%s\n' "$files" | awk 'NR > 1 { print $3 }' | sort | tail -n 1)
	if [ -n "$replica_txid" ] && txid_before "$local_txid" "$replica_txid"; then
		case ${LITESTREAM_PREFER:-} in
		replica)
			aside="$db.local-$(date -u +%Y%m%dT%H%M%SZ)"
			mkdir -p "$aside"
			for f in "$db" "$db-wal" "$db-shm" "$meta"; do
				if [ -e "$f" ]; then mv "$f" "$aside/"; fi
			done
			log "LITESTREAM_PREFER=replica: the local database (txid $local_txid) is kept in $aside; restoring txid $replica_txid"
			restore
			;;
		local)
			log "LITESTREAM_PREFER=local: the local database (txid $local_txid) wins over the replica (txid $replica_txid); Litestream snapshots it over the replica"
			;;
		*)
			die "the database on the volume (txid $local_txid) is behind its replica (txid $replica_txid): another writer or an older volume. Not starting. Set LITESTREAM_PREFER=replica (restore; the local copy is kept aside) or LITESTREAM_PREFER=local (keep the volume; the replica's newer history is overwritten) for one boot, then unset it."
			;;
		esac
	fi
fi

if [ -e "$db" ]; then
	# Ship what the volume holds (the WAL a crash left) before Tailor writes.
	litestream replicate -config "$LITESTREAM_CONFIG" -once ||
		die "could not replicate the existing database before start; not starting a writer"
fi

exec litestream replicate -config "$LITESTREAM_CONFIG" -exec "tailor $*"
