#!/usr/bin/env bash
# Build a PostgreSQL 17 image equivalent (for this course) to the official
# postgres:17, from Debian trixie's packages, for machines that cannot pull
# from a container registry:
#
#   debootstrap trixie → install postgresql-17 in a chroot → trim → docker import
#
# Usage: build.sh [TAG]   (default TAG: replcourse/postgres:17)
#
# Idempotent: exits at once when TAG exists. Each stage leaves a marker in the
# work folder so an interrupted build resumes where it stopped.
# Needs root (debootstrap, chroot) and a reachable Debian mirror; the mirror is
# the one this host's apt already uses.
set -euo pipefail

TAG=${1:-replcourse/postgres:17}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${IMAGE_WORKDIR:-/var/tmp/replcourse-image}
ROOT=$WORK/rootfs
SUITE=trixie

stage() { printf '==> image: %s\n' "$*"; }
die() { printf 'image: %s\n' "$*" >&2; exit 1; }

command -v docker >/dev/null || die "docker CLI not found; install Docker"
docker info >/dev/null 2>&1 || die "Docker engine not reachable; start it (or set DOCKER_HOST)"
if docker image inspect "$TAG" >/dev/null 2>&1; then
	stage "$TAG already present"
	exit 0
fi
[ "$(id -u)" = 0 ] || die "building the image needs root (debootstrap and chroot)"

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

mkdir -p "$WORK"
done_mark() { [ -e "$WORK/.done-$1" ]; }
mark() { touch "$WORK/.done-$1"; }

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
	rm -rf "$ROOT"
	debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
		die "debootstrap failed; see $WORK/debootstrap.log"
	mark debootstrap
fi

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }

if ! done_mark postgres; then
	stage "installing postgresql-17 in the chroot"
	mount -t proc proc "$ROOT/proc"
	mkdir -p "$ROOT/dev/pts" && mount -t devpts devpts "$ROOT/dev/pts"
	printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
	chmod +x "$ROOT/usr/sbin/policy-rc.d"
	cat >"$ROOT/etc/apt/sources.list" <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY $SUITE-security main
	EOF
	in_root apt-get update -qq >"$WORK/apt.log" 2>&1 || die "apt-get update in the chroot failed; see $WORK/apt.log"
	in_root apt-get install -y -qq --no-install-recommends postgresql-common >>"$WORK/apt.log" 2>&1 ||
		die "installing postgresql-common failed; see $WORK/apt.log"
	# No cluster of Debian's own: the entrypoint runs initdb into PGDATA, as the official image does.
	sed -ri 's/^#?\s*create_main_cluster.*/create_main_cluster = false/' "$ROOT/etc/postgresql-common/createcluster.conf"
	in_root apt-get install -y -qq --no-install-recommends postgresql-17 >>"$WORK/apt.log" 2>&1 ||
		die "installing postgresql-17 failed; see $WORK/apt.log"
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
	sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$ROOT/usr/share/postgresql/17/postgresql.conf.sample"
	grep -q "^listen_addresses = '\*'" "$ROOT/usr/share/postgresql/17/postgresql.conf.sample" ||
		die "could not set listen_addresses in postgresql.conf.sample"
	# Directories are made from inside: the chroot's postgres uid differs from the host's.
	in_root sh -c 'mkdir -p /var/lib/postgresql/data /var/run/postgresql &&
		chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql &&
		chmod 0700 /var/lib/postgresql/data && chmod 3777 /var/run/postgresql'
	# Trim what a server never reads.
	rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/* "$ROOT"/usr/share/doc/* \
		"$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/locale/*
	: >"$ROOT/etc/resolv.conf"
	: >"$ROOT/etc/hostname"
	mark layout
fi

stage "importing into Docker as $TAG"
PGBIN=/usr/lib/postgresql/17/bin
tar --numeric-owner -C "$ROOT" -c . | docker import \
	--change "ENV PATH=$PGBIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	--change "ENV PGDATA=/var/lib/postgresql/data" \
	--change "ENV LANG=C.UTF-8" \
	--change "ENV PG_MAJOR=17" \
	--change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
	--change 'CMD ["postgres"]' \
	--change "EXPOSE 5432" \
	--change "VOLUME /var/lib/postgresql/data" \
	--message "postgresql-17 from Debian $SUITE (replcourse stand image)" \
	- "$TAG" >/dev/null
stage "done: $(docker image inspect --format '{{.Id}}' "$TAG")"
