#!/usr/bin/env bash
# Installs what berth's tests and demo need on Debian 12 (as root): the real docker engine and CLI, openssl,
# the shells whose env syntax is tested, test-host tools, ISO readers for the seed-image tests (isoinfo, fuseiso:
# some kernels have no isofs to loop-mount with), QEMU with debootstrap and extlinux for the qemu driver's test
# image, and the npm packages. With --tests it also builds that image and fetches a newer Docker engine (cached under
# /var/cache/berth-test), what the tests need from Debian's mirror, so that nothing leaves the machine while they run
# (egress-guard.js).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
  docker.io openssh-server openssh-client sudo busybox-static iproute2 openssl ca-certificates \
  procps psmisc util-linux fish tcsh zsh ksh hyperfine tini curl sshfs genisoimage fuseiso \
  qemu-system-x86 qemu-utils debootstrap extlinux syslinux-common >/dev/null
npm ci --no-audit --no-fund
if [ "${1:-}" = --tests ]; then npm run --silent test:prepare; fi
