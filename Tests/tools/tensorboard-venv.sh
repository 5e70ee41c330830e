#!/usr/bin/env bash
# Creates (once per machine) a Python virtual environment with a pinned
# TensorBoard, so the tests can read our event files with TensorBoard's own
# loader rather than with a reader we wrote ourselves.
#   bash Tests/tools/tensorboard-venv.sh     # prints the venv's python on the last line
# The venv lives in ~/.cache/vae-dist-test-venv-tensorboard-VERSION and is
# reused while its ".complete" marker exists; the first call downloads from
# PyPI (CI too, once per machine). When pip cannot install, this exits non-zero
# and the calling test fails: a reader we could not run proves nothing.
# Needs python3 with the venv module (Debian: python3-venv, which
# launch/install-packages.sh installs).
set -euo pipefail
version=2.21.0
python=${PYTHON:-python3}
venv=${HOME}/.cache/vae-dist-test-venv-tensorboard-${version}
mkdir -p "$(dirname "$venv")"
# Tests run in parallel: one creates the venv, the others wait for it.
exec 9>"$venv.lock"
flock 9
if [[ ! -e $venv/.complete ]]; then
    rm -rf "$venv"
    # Each step is chained with &&: errexit does not apply inside a || list.
    echo "tensorboard-venv: creating $venv (tensorboard==$version from PyPI; once per machine)" >&2
    if ! { "$python" -m venv "$venv" &&
           "$venv/bin/python" -m pip install --quiet "tensorboard==$version" &&
           "$venv/bin/python" -c "import sys, tensorboard; assert tensorboard.__version__ == sys.argv[1], tensorboard.__version__" "$version"
         } >&2; then
        echo "tensorboard-venv: could not create $venv with tensorboard==$version (is PyPI reachable?)" >&2
        exit 1
    fi
    touch "$venv/.complete"
fi
echo "$venv/bin/python"
