#!/usr/bin/env bash
# Installs the Debian packages vae-dist builds, tests and trains with:
# OpenMPI, OpenBLAS (CBLAS), zlib, pkg-config, the Fashion-MNIST dataset, and
# python3 (the tests read vae-dist's PNG and safetensors files with it).
# Needs root, or sudo.
set -euo pipefail
packages=(libopenmpi-dev openmpi-bin libopenblas-dev zlib1g-dev pkg-config dataset-fashion-mnist python3 python3-venv)
as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
echo "install-packages: ${packages[*]} installed"
