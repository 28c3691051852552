#!/usr/bin/env bash
# Downloads, on a Debian 12 machine, the .deb files of the packages promptlab's build needs besides
# LibTorch, CMake, Ninja and a compiler, into DIR: for scripts/gpu-check.sh --deps DIR on a machine
# that has a CUDA PyTorch but not these packages. Only these packages and their own libraries: the
# other machine's C library, libstdc++ and compilers serve them.
# Usage: scripts/gpu-deps.sh DIR
set -euo pipefail
dir=${1:?usage: scripts/gpu-deps.sh DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
packages=(
  libboost-dev libboost1.74-dev libboost-filesystem-dev libboost-filesystem1.74-dev libboost-filesystem1.74.0
  libboost-system1.74-dev libboost-system1.74.0
  libtomlplusplus-dev libtomlplusplus3 libsqlite3-dev libsqlite3-0 googletest libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev libstb-dev libstb0 libturbojpeg0-dev libturbojpeg0 zlib1g-dev zlib1g
  libutf8proc-dev libutf8proc2 pkg-config pkgconf pkgconf-bin libpkgconf3
)
echo "gpu-deps: ${#packages[@]} packages into $dir"
(cd "$dir" && apt-get download "${packages[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
n=$(find "$dir" -maxdepth 1 -name '*.deb' | wc -l)
[[ "$n" -ge "${#packages[@]}" ]] || { echo "gpu-deps: only $n of ${#packages[@]} packages downloaded" >&2; exit 1; }
du -sh "$dir"
