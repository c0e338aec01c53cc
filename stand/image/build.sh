#!/usr/bin/env bash
# Build a PostgreSQL image equivalent (for this course) to the official
# postgres:NN, from the packages of the Debian suite that ships
# postgresql-NN, for machines that cannot pull from a container registry:
#
#   debootstrap SUITE → install postgresql-NN in a chroot → trim → docker import
#
# Usage: build.sh [TAG]   (default TAG: replcourse/postgres:17)
#        IMAGE_PLAN=1 build.sh TAG   prints what it would make of TAG (major
#        version, suite, PGDATA, volume) and exits; no Docker, no root
#        (build_test.sh checks the table with it)
#
# The major version NN is TAG's tag: replcourse/postgres:18 builds
# PostgreSQL 18 (a tag such as 18.1 or 18-local reads as 18 too). The
# suite comes from the table below, the one place that maps versions to
# suites; a version no suite ships is an error saying so.
#
# Idempotent: exits at once when TAG exists. Each version has its own work
# folder ($IMAGE_WORKDIR/NN, default /var/tmp/replcourse-image/NN), locked
# while a build runs, so builds of different versions never collide and two
# builds of the same version make it once. Each stage leaves a marker there
# so an interrupted build resumes where it stopped.
# Needs root (debootstrap, chroot) and a reachable Debian mirror; the mirror is
# the one this host's apt already uses.
#
# Exit status: 0 TAG exists; 2 TAG names no version the table can build
# (nothing was done); 1 any other failure (the message names the log).
set -euo pipefail

# PostgreSQL major version → the Debian suite whose main archive ships
# postgresql-NN, and that suite's status. Debian ships one major version
# per release, so some versions have no suite: the line says why, and
# where a registry answers the official postgres:NN image serves instead.
# A "testing" suite's Release file is re-signed weekly; a mirror that
# lags behind may serve one past its Valid-Until (see apt_update).
SUITES='
15 bookworm stable  Debian 12
16 -        -       no Debian release ships postgresql-16 (bookworm has 15, trixie 17)
17 trixie   stable  Debian 13
18 forky    testing Debian 14, in preparation
'

TAG=${1:-replcourse/postgres:17}
HERE=$(cd "$(dirname "$0")" && pwd)

stage() { printf '==> image: %s\n' "$*"; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }
refuse() { printf 'image: %s\n' "$*" >&2; exit 2; }

# The major version is the tag (after the last ':' of the last path
# component, so a registry's host:port is not read as one).
name=${TAG##*/}
case $name in
*:*) tag=${name##*:} ;;
*) tag= ;;
esac
[[ $tag =~ ^([0-9]+)([.-].*)?$ ]] ||
	refuse "cannot tell the PostgreSQL major version from $TAG: its tag must start with it (e.g. replcourse/postgres:18)"
MAJOR=$((10#${BASH_REMATCH[1]}))
read -r _ SUITE STATUS NOTE < <(awk -v m="$MAJOR" '$1 == m' <<<"$SUITES") || true
if [ -z "${SUITE:-}" ]; then
	refuse "no Debian suite in this recipe's table ships postgresql-$MAJOR (it knows $(awk 'NF && $2 != "-" {printf "%s%s → %s", s, $1, $2; s = ", "}' <<<"$SUITES")); pull postgres:$MAJOR from a registry, or add its suite to the table in $0"
fi
if [ "$SUITE" = - ]; then
	refuse "cannot build PostgreSQL $MAJOR from Debian: $NOTE; pull the official postgres:$MAJOR from a registry (docker pull postgres:$MAJOR)"
fi

# The official image's layout: from 18 on, PGDATA follows pg_ctlcluster's
# layout (/var/lib/postgresql/NN/docker) and the volume is its parent.
if [ "$MAJOR" -ge 18 ]; then
	PGDATA=/var/lib/postgresql/$MAJOR/docker
	VOLUME=/var/lib/postgresql
else
	PGDATA=/var/lib/postgresql/data
	VOLUME=/var/lib/postgresql/data
fi
PGBIN=/usr/lib/postgresql/$MAJOR/bin

if [ -n "${IMAGE_PLAN:-}" ]; then
	# What a build of TAG would make, without making it (no Docker, no root).
	printf 'tag=%s major=%s suite=%s status=%s pgdata=%s volume=%s\n' "$TAG" "$MAJOR" "$SUITE" "$STATUS" "$PGDATA" "$VOLUME"
	exit 0
fi

command -v docker >/dev/null || die "docker CLI not found; install Docker"
docker info >/dev/null 2>&1 || die "Docker engine not reachable; start it (or set DOCKER_HOST)"
if docker image inspect "$TAG" >/dev/null 2>&1; then
	stage "$TAG already present"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "building the image needs root (debootstrap and chroot)"

WORK=${IMAGE_WORKDIR:-/var/tmp/replcourse-image}/$MAJOR
ROOT=$WORK/rootfs
mkdir -p "$WORK"
exec 9>"$WORK/.lock"
if ! flock -n 9; then
	stage "another build of PostgreSQL $MAJOR holds $WORK; waiting for it"
	flock 9
fi
if docker image inspect "$TAG" >/dev/null 2>&1; then
	stage "$TAG already present (made while waiting)"
	exit 0
fi

# The Debian mirror this host already uses (deb822 or one-line sources).
mirror() {
	local uri
	uri=$(grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 | awk '{print $2}')
	[ -n "$uri" ] || uri=$(grep -hE '^deb ' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n1 | awk '{print $2}')
	[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*"
	printf '%s\n' "$uri"
}
MIRROR=$(mirror)
SECURITY=${MIRROR%/debian}/debian-security

done_mark() { [ -e "$WORK/.done-$1" ]; }
mark() { touch "$WORK/.done-$1"; }

# A work folder left by a build from another suite (the table changed)
# starts over.
if [ -e "$WORK/suite" ] && [ "$(cat "$WORK/suite")" != "$SUITE" ]; then
	stage "$WORK was built from $(cat "$WORK/suite"), not $SUITE; starting over"
	rm -f "$WORK"/.done-*
fi

if ! command -v debootstrap >/dev/null; then
	stage "installing debootstrap"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

unmount() {
	umount "$ROOT/dev/pts" 2>/dev/null || true
	umount "$ROOT/proc" 2>/dev/null || true
}
trap unmount EXIT

if ! done_mark debootstrap; then
	stage "debootstrap $SUITE from $MIRROR (about a minute)"
	unmount
	rm -rf "$ROOT"
	# A debootstrap older than the suite has no script for it; a newer
	# suite is bootstrapped as unstable is.
	script=()
	[ -e "/usr/share/debootstrap/scripts/$SUITE" ] || script=(/usr/share/debootstrap/scripts/sid)
	debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" "${script[@]}" >"$WORK/debootstrap.log" 2>&1 ||
		die "debootstrap $SUITE failed; see $WORK/debootstrap.log"
	printf '%s\n' "$SUITE" >"$WORK/suite"
	mark debootstrap
fi

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

# apt_update reads the suite's package lists. A testing suite's Release
# file is valid for a week after it is signed; when the mirror serves one
# past that date, apt refuses it as expired. For testing only (which has no
# security support that a stale index could hide), the update is retried
# accepting it, with a warning naming the file; signatures are checked as
# always.
apt_update() {
	in_root apt-get update -qq >"$WORK/apt.log" 2>&1 && return 0
	if [ "$STATUS" = testing ] && grep -qE 'is (expired|no longer valid)' "$WORK/apt.log"; then
		grep -E 'is (expired|no longer valid)' "$WORK/apt.log" | sed 's/^/image: warning: /' >&2
		stage "accepting $SUITE's expired Release files (testing suite; signatures still checked)"
		in_root apt-get -o Acquire::Check-Valid-Until=false update -qq >>"$WORK/apt.log" 2>&1 && return 0
	fi
	die "apt-get update in the $SUITE chroot failed; see $WORK/apt.log"
}

if ! done_mark postgres; then
	stage "installing postgresql-$MAJOR from $SUITE in the chroot"
	unmount
	mount -t proc proc "$ROOT/proc"
	mkdir -p "$ROOT/dev/pts" && mount -t devpts devpts "$ROOT/dev/pts"
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod +x "$ROOT/usr/sbin/policy-rc.d"
	cat >"$ROOT/etc/apt/sources.list" <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY $SUITE-security main
	EOF
	apt_update
	# The official image's postgres user and group (999), made before
	# postgresql-common would make them with the next free system ids.
	in_root sh -c 'getent group postgres >/dev/null || groupadd -r postgres --gid=999;
		getent passwd postgres >/dev/null || useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres' \
		>>"$WORK/apt.log" 2>&1 || die "creating the postgres user failed; see $WORK/apt.log"
	in_root apt-get install -y -qq --no-install-recommends postgresql-common >>"$WORK/apt.log" 2>&1 ||
		die "installing postgresql-common failed; see $WORK/apt.log"
	# No cluster of Debian's own: the entrypoint runs initdb into PGDATA, as the official image does.
	sed -ri 's/^#?\s*create_main_cluster.*/create_main_cluster = false/' "$ROOT/etc/postgresql-common/createcluster.conf"
	in_root apt-get install -y -qq --no-install-recommends "postgresql-$MAJOR" >>"$WORK/apt.log" 2>&1 ||
		die "installing postgresql-$MAJOR from $SUITE failed; see $WORK/apt.log"
	# From 18 on JIT is a package of its own; the official image installs it.
	if in_root apt-cache show "postgresql-$MAJOR-jit" >/dev/null 2>&1; then
		in_root apt-get install -y -qq --no-install-recommends "postgresql-$MAJOR-jit" >>"$WORK/apt.log" 2>&1 ||
			die "installing postgresql-$MAJOR-jit failed; see $WORK/apt.log"
	fi
	rm -f "$ROOT/usr/sbin/policy-rc.d"
	unmount
	mark postgres
fi

if ! done_mark layout; then
	stage "laying out the official image's paths and entrypoint"
	install -m 0755 "$HERE/docker-entrypoint.sh" "$ROOT/usr/local/bin/docker-entrypoint.sh"
	mkdir -p "$ROOT/docker-entrypoint-initdb.d"
	# As in the official image, a cluster made by initdb listens on all
	# interfaces (Debian's sample listens on localhost only).
	sample=$ROOT/usr/share/postgresql/$MAJOR/postgresql.conf.sample
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
	grep -q "^listen_addresses = '\*'" "$sample" ||
		die "could not set listen_addresses in $sample"
	# Directories are made from inside, as the official image makes them:
	# the postgres user's home open to all (1777), PGDATA below 18.
	in_root sh -c "install -d -o postgres -g postgres -m 1777 /var/lib/postgresql &&
		install -d -o postgres -g postgres -m 3777 /var/run/postgresql &&
		if [ '$VOLUME' = '$PGDATA' ]; then install -d -o postgres -g postgres -m 0700 '$PGDATA'; fi"
	# Trim what a server never reads.
	rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* \
		"$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/*
	: >"$ROOT/etc/resolv.conf"
	: >"$ROOT/etc/hostname"
	mark layout
fi

# What the course runs must be there, and be the version asked for.
for tool in postgres initdb pg_ctl psql pg_isready pg_basebackup pg_rewind pgbench pg_dump pg_restore pg_controldata; do
	[ -x "$ROOT$PGBIN/$tool" ] || die "$PGBIN/$tool is missing from the chroot; remove $WORK to build afresh"
done
version=$(in_root "$PGBIN/postgres" --version) || die "$PGBIN/postgres --version failed in the chroot"
[[ $version =~ \(PostgreSQL\)\ $MAJOR[.\ ] ]] || die "the chroot's postgres is not $MAJOR: $version"

stage "importing $version into Docker as $TAG"
tar --numeric-owner -C "$ROOT" -c . | docker import \
	--change "ENV PATH=$PGBIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	--change "ENV PGDATA=$PGDATA" \
	--change "ENV LANG=C.UTF-8" \
	--change "ENV PG_MAJOR=$MAJOR" \
	--change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
	--change 'CMD ["postgres"]' \
	--change "EXPOSE 5432" \
	--change "VOLUME $VOLUME" \
	--message "postgresql-$MAJOR from Debian $SUITE (replcourse stand image)" \
	- "$TAG" >/dev/null
stage "done: $(docker image inspect --format '{{.Id}}' "$TAG")"
