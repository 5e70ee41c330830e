#!/usr/bin/env bash
# Installs the Debian packages vae-dist builds, trains and is tested with.
#   bash launch/install-packages.sh           # build and train: OpenMPI, OpenBLAS, zlib, libpng, HDF5 (+ its LZF plugin and liblzf,
#                                             # which Debian 12's plugin needs but does not link), Fashion-MNIST
#   bash launch/install-packages.sh --tests   # also what the test suite needs: NumPy (writes the .npy test files),
#                                             # python3 (independent file readers; with python3-venv, installed in both cases,
#                                             # TensorBoard's own loader in a venv Tests/tools/tensorboard-venv.sh fills from PyPI once,
#                                             # anndata and h5py in a venv Tests/tools/anndata-venv.sh fills from PyPI once),
#                                             # Slurm and munge (a real single-node cluster),
#                                             # iproute2 (two network namespaces as two hosts)
# Needs root, or sudo.
set -euo pipefail
packages=(libopenmpi-dev openmpi-bin libopenblas-dev zlib1g-dev libpng-dev libhdf5-dev hdf5-plugin-lzf liblzf1 pkg-config dataset-fashion-mnist python3 python3-venv)
tests=0
case ${1:-} in
    --tests) tests=1 ;;
    "") ;;
    *) echo "usage: launch/install-packages.sh [--tests]" >&2; exit 64 ;;
esac
[[ $tests -eq 1 ]] && packages+=(python3-numpy slurmctld slurmd slurm-client munge iproute2)
as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
export DEBIAN_FRONTEND=noninteractive
# Package scripts would start Slurm's and munge's daemons through init; the
# tests start their own, so deny that while installing.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ $tests -eq 1 && ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee "$policy" >/dev/null
    "${as_root[@]}" chmod +x "$policy"
    created_policy=1
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
if [[ $created_policy -eq 1 ]]; then "${as_root[@]}" rm -f "$policy"; fi
echo "install-packages: ${packages[*]} installed"
