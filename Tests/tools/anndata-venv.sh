#!/usr/bin/env bash
# Creates (once per machine) a Python virtual environment with pinned anndata
# and h5py, so the single-cell tests write their .h5ad and .h5 files with the
# libraries that write them in the wild rather than with a writer we wrote.
#   bash Tests/tools/anndata-venv.sh     # prints the venv's python on the last line
# The venv lives in ~/.cache/vae-dist-test-venv-anndata-VERSION and is reused
# while its ".complete" marker exists; the first call downloads from PyPI (CI
# too, once per machine). anndata 0.12.x is the last line that installs on
# Debian 12's Python 3.11. When python3 -m venv or pip fails, this exits
# non-zero with a line that names what was missing; the tests then skip,
# naming it.
# Needs python3 with the venv module (Debian: python3-venv, which
# launch/install-packages.sh installs).
set -euo pipefail
anndata=0.12.19
h5py=3.14.0
python=${PYTHON:-python3}
venv=${HOME}/.cache/vae-dist-test-venv-anndata-${anndata}-h5py-${h5py}
mkdir -p "$(dirname "$venv")"
# Tests run in parallel: one creates the venv, the others wait for it.
exec 9>"$venv.lock"
flock 9
if [[ ! -e $venv/.complete ]]; then
    rm -rf "$venv"
    echo "anndata-venv: creating $venv (anndata==$anndata, h5py==$h5py from PyPI; once per machine)" >&2
    if ! "$python" -m venv "$venv" >&2; then
        echo "anndata-venv: needs '$python -m venv' (Debian: apt-get install python3-venv)" >&2
        rm -rf "$venv"
        exit 1
    fi
    # Each step is chained with &&: errexit does not apply inside a || list.
    if ! { "$venv/bin/python" -m pip install --quiet "anndata==$anndata" "h5py==$h5py" &&
           "$venv/bin/python" -c "import sys; from importlib.metadata import version; assert version('anndata') == sys.argv[1]; assert version('h5py') == sys.argv[2]" "$anndata" "$h5py"
         } >&2; then
        echo "anndata-venv: needs PyPI to install anndata==$anndata and h5py==$h5py into $venv" >&2
        rm -rf "$venv"
        exit 1
    fi
    touch "$venv/.complete"
fi
echo "$venv/bin/python"
