#!/usr/bin/env bash
# Runs vae-dist on N ranks of this machine:
#   launch/local.sh N [train flags...]          e.g. launch/local.sh 2 --epochs 10
#   launch/local.sh N SUBCOMMAND [args...]      e.g. launch/local.sh 4 check-mpi, launch/local.sh 2 encode CK --data D --out Z.npy
#
# - one OpenBLAS thread per rank: ranks are the parallelism, and threads on
#   top of them only fight over the same cores;
# - more ranks than cores is allowed (--oversubscribe, no core binding);
# - root is allowed (containers, CI), and OpenMPI's ob1 messaging layer is
#   preferred on one machine (it starts in ~0.03 s instead of ~0.3 s).
# VAE_DIST overrides the binary (default: this checkout's release build).
#
# Exit status: vae-dist's, except that a job stopped by a signal after writing
# its checkpoint returns 75 whatever mpirun returns (mpirun exits 1 when it was
# itself signalled, though every rank exited 75). How: rank 0 writes the file
# named by VAE_DIST_STOP_MARKER (a fresh path in a new temporary directory, so
# no earlier stop's marker can be there) only after the stop's checkpoint is
# on disk; this script returns 75 when that file exists after mpirun ends.
# SIGINT (Ctrl-C) or SIGTERM to this script is passed to mpirun as SIGUSR1,
# which mpirun forwards to the ranks without starting its kill timer (a
# SIGTERM sent to mpirun itself leaves the ranks 1 s, odls_base_sigkill_timeout,
# to finish the step and checkpoint before mpirun kills them).
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
# A first argument that is not a flag names the subcommand (train, eval,
# encode, check-mpi, benchmark, ...): train takes no positional argument, so
# nothing else can stand there, and a subcommand this script does not list
# still reaches vae-dist, which names an unknown one itself. Flags alone (or
# nothing) are train's.
case ${1:-} in
    -h|--help|help) ;;
    ''|-*) set -- train "$@" ;;
esac

placement=()
if (( ranks > $(nproc) )); then placement=(--oversubscribe --bind-to none); fi
if [[ $(id -u) -eq 0 ]]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1

markers=$(mktemp -d "${TMPDIR:-/tmp}/vae-dist-local.XXXXXX")
trap 'rm -rf "$markers"' EXIT
export VAE_DIST_STOP_MARKER=$markers/stopped

mpirun -np "$ranks" "${placement[@]}" "$binary" "$@" &
job=$!
trap 'kill -USR1 "$job" 2>/dev/null || true' INT TERM
status=0
wait "$job" || status=$?
while kill -0 "$job" 2>/dev/null; do   # wait returned early for a trapped signal
    status=0
    wait "$job" || status=$?
done
if [[ -f $VAE_DIST_STOP_MARKER ]]; then
    echo "local.sh: stopped cleanly ($(head -n 1 "$VAE_DIST_STOP_MARKER")); exit 75 (mpirun returned $status)" >&2
    exit 75
fi
exit "$status"
