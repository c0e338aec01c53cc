#!/usr/bin/env bash
# Installs what `make test` needs beyond Go and a Docker engine, when it is
# missing: Chromium at /usr/bin/chromium, the browser the site's tests drive.
# (debootstrap, for the PostgreSQL image, is installed by stand/image/build.sh
# when it runs.) Debian and Ubuntu through apt-get, as root or with sudo;
# elsewhere it prints the command to run and fails.
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing ${missing[*]}: install Chromium at /usr/bin/chromium, then run make test again" >&2
	exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
		sudo=(sudo)
	else
		echo "deps: missing ${missing[*]}; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
fi
echo "deps: installing ${missing[*]} with apt-get"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
