#!/usr/bin/env bash
# OpenMPI's remote-launch agent for the two-host test (plm_rsh_agent): where
# mpirun would run `ssh HOST COMMAND`, this runs COMMAND inside the network
# namespace that plays HOST. HOSTS_NAMESPACES maps addresses to namespaces:
# "10.231.0.1=vae-h1 10.231.0.2=vae-h2".
set -euo pipefail
host=$1
shift
for pair in ${HOSTS_NAMESPACES:?}; do
    if [[ ${pair%%=*} == "$host" ]]; then
        exec ip netns exec "${pair#*=}" /bin/sh -c "$*"
    fi
done
echo "netns-agent: no namespace for host $host" >&2
exit 1
