#!/usr/bin/env bash
# Entrypoint of the primary and the replica: either may become a standby.
#
# - With --wait-for-base-backup (the replica): a standby cannot start from an
#   empty data directory; it needs a copy of the primary, which the course
#   makes by hand with pg_basebackup. Until that copy exists the container
#   only idles; once it exists, a restart starts PostgreSQL.
# - While /var/lib/postgresql/maintenance exists, the container idles without
#   starting PostgreSQL, so that tools that need a stopped server
#   (pg_rewind) can run in it. Remove the file and restart the container.
# - PostgreSQL logs to stderr, which is what `docker compose logs` shows; a
#   copy goes to /var/lib/postgresql/server.log, for reading it from inside.
set -e
: "${PGDATA:=/var/lib/postgresql/data}"
idle() {
	echo "entrypoint: $1"
	trap 'exit 0' INT TERM
	sleep infinity &
	wait
	exit 0
}
wait_for_base_backup=
if [ "$1" = --wait-for-base-backup ]; then
	wait_for_base_backup=yes
	shift
fi
if [ -e /var/lib/postgresql/maintenance ]; then
	idle "/var/lib/postgresql/maintenance exists; PostgreSQL not started"
fi
if [ -n "$wait_for_base_backup" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 0700 "$PGDATA"
	idle "$PGDATA is empty; waiting for a base backup (pg_basebackup), then a restart"
fi
# tee becomes a child of PostgreSQL (process 1 after exec) and exits with
# status 0 when the server closes its stderr, at shutdown.
log=/var/lib/postgresql/server.log
touch "$log"
chmod 0644 "$log"
exec docker-entrypoint.sh "$@" 2> >(exec tee -a "$log" >&2)
