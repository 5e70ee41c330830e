#!/usr/bin/env bash
# Two "hosts" on this machine for the multi-host test: two network namespaces
# joined by a veth pair, addresses 10.231.0.1 and .2 that exist only inside them.
#   bash Tests/cluster/netns.sh up TAG      # creates vae-TAG-a and vae-TAG-b
#   bash Tests/cluster/netns.sh down TAG    # deletes them (and so the veth pair)
# OpenMPI then runs across them with Tests/cluster/netns-agent.sh as its
# remote-launch agent. Needs root.
set -euo pipefail
tag=${2:?usage: netns.sh up|down TAG}
a=vae-$tag-a
b=vae-$tag-b
case ${1:-} in
    up)
        ip netns add "$a"
        ip netns add "$b"
        ip link add "va-$tag" type veth peer name "vb-$tag"
        ip link set "va-$tag" netns "$a"
        ip link set "vb-$tag" netns "$b"
        ip -n "$a" addr add 10.231.0.1/24 dev "va-$tag"
        ip -n "$b" addr add 10.231.0.2/24 dev "vb-$tag"
        for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
        ip -n "$a" link set "va-$tag" up
        ip -n "$b" link set "vb-$tag" up
        echo "HOSTS_NAMESPACES=10.231.0.1=$a 10.231.0.2=$b"
        ;;
    down)
        ip netns del "$a" 2>/dev/null || true
        ip netns del "$b" 2>/dev/null || true
        ;;
    *) echo "usage: netns.sh up|down TAG" >&2; exit 64 ;;
esac
