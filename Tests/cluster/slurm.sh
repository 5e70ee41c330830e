#!/usr/bin/env bash
# A single-node Slurm cluster on localhost, for the tests:
#   bash Tests/cluster/slurm.sh up DIR       # munged, slurmctld, slurmd with config, state, logs, PIDs in DIR
#   bash Tests/cluster/slurm.sh down DIR     # stops exactly the daemons `up DIR` started (by PID file)
# The packages come from `bash launch/install-packages.sh --tests`. After `up`, point clients at the
# cluster with SLURM_CONF=DIR/slurm.conf.
set -euo pipefail

up() {
    local dir=$1
    # The daemons outlive this script: they must not keep any of its caller's
    # descriptors open (a caller waiting for EOF, or for its child's exit
    # through an inherited descriptor, would wait for the daemons).
    local fd
    for fd in $(ls /proc/$$/fd); do
        if [[ $fd -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    if [[ ! -d /sys/fs/cgroup ]]; then echo "slurm.sh: no /sys/fs/cgroup; slurmd cannot run here" >&2; exit 3; fi
    mkdir -p "$dir"/{state,spool,log,run,munge}
    dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
    chmod 700 "$dir/munge"; chmod 400 "$dir/munge/munge.key"
    munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
        --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed" \
        </dev/null >>"$dir/log/munged.out" 2>&1

    local node host name
    node=$(slurmd -C | head -n 1)      # NodeName=... CPUs=... RealMemory=...: this machine as slurmd sees it
    name=${node%% *}
    name=${name#NodeName=}
    host=$(hostname -s)
    cat > "$dir/slurm.conf" <<CONF
ClusterName=vaetest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
EnforcePartLimits=ALL
SchedulerParameters=bf_interval=2,sched_interval=2
MailProg=/bin/true
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
KillWait=5
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=$name Default=YES MaxTime=INFINITE State=UP
CONF
    export SLURM_CONF=$dir/slurm.conf
    slurmctld -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmctld.out" 2>&1
    slurmd -f "$SLURM_CONF" </dev/null >>"$dir/log/slurmd.out" 2>&1
    for _ in $(seq 1 150); do
        if sinfo -h -o %T 2>/dev/null | grep -qx idle; then echo "slurm.sh: cluster up in $dir"; return 0; fi
        sleep 0.2
    done
    echo "slurm.sh: the node did not become idle; logs in $dir/log" >&2
    sinfo >&2 || true
    exit 1
}

down() {
    local dir=$1
    for daemon in slurmd slurmctld munged; do
        local pidfile=$dir/run/$daemon.pid
        [[ -f $pidfile ]] || continue
        local pid
        pid=$(cat "$pidfile")
        if kill "$pid" 2>/dev/null; then
            for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
        fi
        rm -f "$pidfile"
    done
}

case ${1:-} in
    up) up "${2:?usage: slurm.sh up DIR}" ;;
    down) down "${2:?usage: slurm.sh down DIR}" ;;
    *) echo "usage: slurm.sh up DIR | down DIR" >&2; exit 64 ;;
esac
