#!/usr/bin/env bash
# Runs vae-dist on N ranks of this machine:
#   launch/local.sh N [train flags...]          e.g. launch/local.sh 2 --epochs 10
#   launch/local.sh N SUBCOMMAND [flags...]     e.g. launch/local.sh 4 check-mpi
#
# - one OpenBLAS thread per rank: ranks are the parallelism, and threads on
#   top of them only fight over the same cores;
# - more ranks than cores is allowed (--oversubscribe, no core binding);
# - root is allowed (containers, CI), and OpenMPI's ob1 messaging layer is
#   preferred on one machine (it starts in ~0.03 s instead of ~0.3 s).
# VAE_DIST overrides the binary (default: this checkout's release build).
set -euo pipefail
if [[ $# -lt 1 || ! $1 =~ ^[1-9][0-9]*$ ]]; then
    echo "usage: launch/local.sh N [train flags...] | launch/local.sh N SUBCOMMAND [flags...]" >&2
    exit 64
fi
ranks=$1
shift
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${VAE_DIST:-$repo/.build/release/vae-dist}
if [[ ! -x $binary ]]; then
    echo "local.sh: $binary not found; build it first: swift build -c release" >&2
    exit 1
fi
case ${1:-} in
    train|eval|sample|reconstruct|manifold|inspect|export|check-mpi|benchmark|help|-h|--help) ;;
    *) set -- train "$@" ;;
esac

placement=()
if (( ranks > $(nproc) )); then placement=(--oversubscribe --bind-to none); fi
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
exec mpirun -np "$ranks" "${placement[@]}" "$binary" "$@"
