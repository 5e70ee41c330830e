#!/usr/bin/env bash
# OpenMPI's remote-launch agent for the two-host test (plm_rsh_agent): where
# mpirun would run `ssh HOST COMMAND`, this runs COMMAND inside the network
# namespace that plays HOST. HOSTS_NAMESPACES maps addresses to namespaces:
# "10.231.0.1=vae-h1 10.231.0.2=vae-h2".
# The command also gets a UTS namespace whose hostname is the namespace's name:
# OpenMPI tells which ranks share a node (MPI_Comm_split_type, shared-memory
# windows) partly by hostname, and a remote daemon reporting this machine's own
# name makes its ranks disagree with the launcher's about who is local.
set -euo pipefail
host=$1
shift
for pair in ${HOSTS_NAMESPACES:?}; do
    if [[ ${pair%%=*} == "$host" ]]; then
        exec ip netns exec "${pair#*=}" unshare --uts /bin/sh -c "hostname ${pair#*=} && $*"
    fi
done
echo "netns-agent: no namespace for host $host" >&2
exit 1
