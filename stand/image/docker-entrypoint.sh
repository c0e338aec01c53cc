#!/usr/bin/env bash
# Entrypoint of the locally built stand image. It behaves like the official
# postgres image's entrypoint for everything the course relies on:
#   - runs as root first, prepares PGDATA and /var/run/postgresql, then drops
#     to the postgres user;
#   - on first start (no PGDATA/PG_VERSION) runs initdb with POSTGRES_USER /
#     POSTGRES_PASSWORD (POSTGRES_HOST_AUTH_METHOD=trust allows no password),
#     allows password logins from anywhere (host all all all scram-sha-256),
#     creates POSTGRES_DB and runs /docker-entrypoint-initdb.d/* against a
#     socket-only temporary server;
#   - then execs the server, so PostgreSQL is PID 1 and gets the stop signal.
set -Eeo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- postgres "$@"
fi

if [ "$1" != 'postgres' ]; then
	exec "$@"
fi

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGDATA

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$PGDATA" /var/run/postgresql
	chown postgres:postgres "$PGDATA" /var/run/postgresql
	chmod 0700 "$PGDATA"
	chmod 3777 /var/run/postgresql
	exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

init_database() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		echo >&2 'Error: database is uninitialized and superuser password is not specified.'
		echo >&2 '       Set POSTGRES_PASSWORD (or POSTGRES_HOST_AUTH_METHOD=trust).'
		exit 1
	fi
	local pwfile
	pwfile=$(mktemp)
	printf '%s' "$POSTGRES_PASSWORD" >"$pwfile"
	# shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of words
	initdb --username="$POSTGRES_USER" --pwfile="$pwfile" $POSTGRES_INITDB_ARGS
	rm -f "$pwfile"

	local method=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
	printf '\nhost all all all %s\n' "$method" >>"$PGDATA/pg_hba.conf"

	pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
	local psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc --dbname postgres)
	if [ "$POSTGRES_DB" != postgres ]; then
		"${psql[@]}" -c "CREATE DATABASE \"$POSTGRES_DB\""
	fi
	local f
	for f in /docker-entrypoint-initdb.d/*; do
		case "$f" in
		*.sh) echo "running $f"; . "$f" ;;
		*.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
		*) [ -e "$f" ] && echo "ignoring $f" ;;
		esac
	done
	pg_ctl -D "$PGDATA" -m fast -w stop
	echo 'PostgreSQL init process complete; ready for start up.'
}

if [ ! -s "$PGDATA/PG_VERSION" ]; then
	init_database
else
	echo 'PostgreSQL Database directory appears to contain a database; Skipping initialization'
fi

exec "$@"
