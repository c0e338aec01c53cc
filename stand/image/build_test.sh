#!/usr/bin/env bash
# Tests of build.sh.
#
#   bash stand/image/build_test.sh            the version table and the tags it
#                                             accepts (no Docker, no root)
#   bash stand/image/build_test.sh --images [TAG…]
#                                             also each image TAG (default
#                                             replcourse/postgres:15, :17, :18)
#                                             the engine holds: its version, its
#                                             layout, the tools the course runs
#
# Prints one line per failure and exits 1 if any; builds nothing.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
failures=0
fail() { printf 'FAIL %s\n' "$*"; failures=$((failures + 1)); }

# plan TAG: what build.sh would make of TAG (IMAGE_PLAN), its exit status
# and its error.
plan() {
	out=$(IMAGE_PLAN=1 bash "$HERE/build.sh" "$1" 2>"$tmp") && code=0 || code=$?
	err=$(cat "$tmp")
}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# Tags that build: the major version and its suite, and the official
# image's layout (from 18 on, PGDATA under /var/lib/postgresql/NN/docker).
while read -r tag want; do
	plan "$tag"
	[ "$code" = 0 ] && [ "$out" = "$want" ] || fail "plan $tag: got [$code] $out $err; want $want"
done <<'EOF'
replcourse/postgres:15 tag=replcourse/postgres:15 major=15 suite=bookworm status=stable pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
replcourse/postgres:17 tag=replcourse/postgres:17 major=17 suite=trixie status=stable pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
replcourse/postgres:18 tag=replcourse/postgres:18 major=18 suite=forky status=testing pgdata=/var/lib/postgresql/18/docker volume=/var/lib/postgresql
localhost:5000/pg:18.1 tag=localhost:5000/pg:18.1 major=18 suite=forky status=testing pgdata=/var/lib/postgresql/18/docker volume=/var/lib/postgresql
pg:017-local tag=pg:017-local major=17 suite=trixie status=stable pgdata=/var/lib/postgresql/data volume=/var/lib/postgresql/data
EOF

# No argument: the course's image.
out=$(IMAGE_PLAN=1 bash "$HERE/build.sh") || fail "plan with no tag exited $?"
[[ $out == "tag=replcourse/postgres:17 major=17 suite=trixie "* ]] || fail "plan with no tag: $out"

# Tags that do not: exit 2, nothing done, one line saying why.
while read -r tag want; do
	plan "$tag"
	[ "$code" = 2 ] && [ -z "$out" ] && [[ $err == *"$want"* ]] && [ "$(wc -l <"$tmp")" = 1 ] ||
		fail "plan $tag: got [$code] $out $err; want exit 2 and an error containing: $want"
done <<'EOF'
replcourse/postgres:16 no Debian release ships postgresql-16 (bookworm has 15, trixie 17); pull the official postgres:16 from a registry
replcourse/postgres:19 no Debian suite in this recipe's table ships postgresql-19 (it knows 15 → bookworm, 17 → trixie, 18 → forky)
replcourse/postgres:14 no Debian suite in this recipe's table ships postgresql-14
replcourse/postgres:latest cannot tell the PostgreSQL major version from replcourse/postgres:latest
replcourse/postgres cannot tell the PostgreSQL major version from replcourse/postgres
localhost:5000/postgres cannot tell the PostgreSQL major version from localhost:5000/postgres
replcourse/postgres:v18 cannot tell the PostgreSQL major version from replcourse/postgres:v18
EOF

if [ "${1:-}" = --images ]; then
	shift
	[ $# -gt 0 ] || set -- replcourse/postgres:15 replcourse/postgres:17 replcourse/postgres:18
	for tag; do
		docker image inspect "$tag" >/dev/null 2>&1 || { printf 'skip %s: not present\n' "$tag"; continue; }
		plan "$tag"
		[ "$code" = 0 ] || { fail "$tag: $err"; continue; }
		major=${out#*major=} major=${major%% *}
		pgdata=${out#*pgdata=} pgdata=${pgdata%% *}
		volume=${out##*volume=}
		env=$(docker image inspect --format '{{range .Config.Env}}{{.}} {{end}}' "$tag")
		[[ " $env" == *" PGDATA=$pgdata "* && " $env" == *" PG_MAJOR=$major "* ]] || fail "$tag: env $env; want PGDATA=$pgdata PG_MAJOR=$major"
		vols=$(docker image inspect --format '{{range $k, $v := .Config.Volumes}}{{$k}} {{end}}' "$tag")
		[ "$vols" = "$volume " ] || fail "$tag: volumes [$vols]; want [$volume]"
		[ "$(docker image inspect --format '{{json .Config.Entrypoint}}' "$tag")" = '["docker-entrypoint.sh"]' ] || fail "$tag: entrypoint is not docker-entrypoint.sh"
		tools="postgres initdb pg_ctl psql pg_isready pg_basebackup pg_rewind pgbench pg_dump pg_restore pg_controldata"
		[ "$major" -ge 17 ] && tools+=" pg_createsubscriber"
		got=$(docker run --rm --entrypoint bash "$tag" -c '
			id -u postgres; postgres --version
			for t in '"$tools"'; do p=$(command -v $t) && echo "$p"; done' 2>&1)
		want="999
postgres (PostgreSQL) $major."
		[[ $got == "$want"* ]] || fail "$tag: $(head -n2 <<<"$got" | tr '\n' ' '); want the postgres user 999 (the official image's) and PostgreSQL $major (an image made by an older build.sh has another uid)"
		for t in $tools; do
			grep -qx "/usr/lib/postgresql/$major/bin/$t" <<<"$got" || fail "$tag: $t is not /usr/lib/postgresql/$major/bin/$t"
		done
	done
fi

[ "$failures" = 0 ] && echo ok
[ "$failures" = 0 ]
