#!/usr/bin/env bash
# Regenerates kernels/ptx/*.ptx from kernels/*.cu with NVRTC (compute_80), loaded with
# dlopen: Debian 12's non-free package libnvrtc11.2 (NVRTC 11.8), or the library named
# by LTSBENCH_NVRTC. The output is byte-for-byte reproducible for one NVRTC version, so
# CI runs this and then `git diff --exit-code kernels/ptx`.
#
#   scripts/gen-kernels.sh            regenerate
#   scripts/gen-kernels.sh --install  first add Debian's contrib/non-free sources and
#                                     install libnvrtc11.2 (needs root or sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--install" ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  if ! ls /usr/lib/*/libnvrtc.so.11.2 >/dev/null 2>&1; then
    $SUDO tee /etc/apt/sources.list.d/debian-nonfree.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: contrib non-free
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libnvrtc11.2 >/dev/null
  fi
fi

export CGO_ENABLED=1
export CGO_CFLAGS="${CGO_CFLAGS:--Wno-deprecated-declarations}"
go run ./kernels/internal/gen -dir kernels -out kernels/ptx
echo "kernels/ptx: $(ls kernels/ptx/*.ptx | wc -l) modules from $(ls kernels/*.cu | wc -l) sources"
