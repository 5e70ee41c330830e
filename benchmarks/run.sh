#!/usr/bin/env bash
# Benchmarks vae-dist against PyTorch on this machine and prints the tables
# kept in benchmarks/README.md (~10 minutes on 2 cores). Needs the packages of
# launch/install-packages.sh; installs torch (CPU) into benchmarks/.venv on
# first use (a ~200 MB download).
#   bash benchmarks/run.sh [--epochs N] [--rounds R] [--target-loss L] [--max-epochs E] [--data DIR]
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
swift build -c release >/dev/null
venv=benchmarks/.venv
if [[ ! -x $venv/bin/python ]] || ! "$venv/bin/python" -c "import torch, numpy" 2>/dev/null; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet torch==2.13.0 numpy
fi
exec python3 benchmarks/run.py --python "$venv/bin/python" "$@"
