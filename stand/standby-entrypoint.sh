#!/usr/bin/env bash
# Entrypoint of the replica. A standby cannot start from an empty data
# directory: it needs a copy of the primary, which the course makes by hand
# with pg_basebackup. Until that copy exists the container only idles; once
# it exists, a restart hands over to the image's own entrypoint, which finds
# PG_VERSION, skips initdb and starts PostgreSQL as a standby.
set -e
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
	mkdir -p "$PGDATA"
	chown postgres:postgres "$PGDATA"
	chmod 0700 "$PGDATA"
	echo "standby: $PGDATA is empty; waiting for a base backup (pg_basebackup), then a restart"
	trap 'exit 0' INT TERM
	sleep infinity &
	wait
	exit 0
fi
exec docker-entrypoint.sh "$@"
