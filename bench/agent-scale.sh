#!/usr/bin/env bash
# Agent scale, issue 4: N networks x M ports served by ONE agent process (start + full resync time, RSS), then
# the same N networks served the old way, one dnsmasq per network in its own namespace (total RSS of the N
# processes, measured the same way: VmRSS from /proc/<pid>/status). Root only. Everything it makes is named
# qdhcp-<uuid> / brq<11> / qdp<11> (agent) or qsdm<pid>-<n> (dnsmasq) and is removed at the end, also on failure.
# Usage: sudo bench/agent-scale.sh [networks=1000] [ports=10]
set -euo pipefail
N=${1:-1000}
P=${2:-10}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) == 0 ]] || { echo "run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/qdhcp-agent-scale.XXXXXX)
PREFIX="qsdm$$-"
PIDS=()

cleanup() {
  for pid in "${PIDS[@]:-}"; do [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true; done
  # (no grep -q here: with pipefail its early exit would fail the pipe and skip the cleanup)
  ip netns list | awk '{print $1}' | { grep "^$PREFIX" || true; } | sed 's/^/netns del /' | ip -force -batch - 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "== machine: $(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), load: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
dotnet build -c Release "$ROOT/bench/Qdhcp.AgentScale" -v q -nologo >/dev/null

if [[ "${SKIP_AGENT:-0}" != 1 ]]; then
echo "== one agent process: $N networks x $P ports"
"$ROOT/bench/Qdhcp.AgentScale/bin/Release/net10.0/qdhcp-agent-scale" "$N" "$P" "$WORK/agent-state"
fi

echo "== $N dnsmasq processes, each in its own namespace with $P hosts"
DNSMASQ=$(command -v dnsmasq)
start=$(date +%s.%N)
{
  for i in $(seq 1 "$N"); do echo "netns add $PREFIX$i"; done
} | ip -batch -
for i in $(seq 1 "$N"); do
  ns="$PREFIX$i"
  d="$WORK/dnsmasq/$i"; mkdir -p "$d"
  for p in $(seq 1 "$P"); do printf 'fa:16:3e:%02x:%02x:%02x,host-10-60-0-%d.openstacklocal,10.60.0.%d\n' $((i / 256 % 256)) $((i % 256)) "$p" $((100 + p)) $((100 + p)); done > "$d/host"
  printf 'tag:subnet-x,option:router,10.60.0.1\ntag:subnet-x,option:dns-server,10.60.0.53' > "$d/opts"
  : > "$d/leases"
  printf 'link set lo up\nlink add ns-dm type veth peer name ns-dm-peer\naddr add 10.60.0.2/24 dev ns-dm\nlink set ns-dm up\n' | ip -n "$ns" -batch -
  # The command line Neutron's agent runs (neutron-samples/README.md), with this namespace's files.
  ip netns exec "$ns" "$DNSMASQ" --no-hosts --no-resolv --pid-file="$d/pid" --dhcp-hostsfile="$d/host" \
    --dhcp-optsfile="$d/opts" --dhcp-leasefile="$d/leases" --dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE \
    --local-service --bind-dynamic --dhcp-range=set:subnet-x,10.60.0.0,static,255.255.255.0,86400s \
    --dhcp-option-force=option:mtu,1500 --dhcp-lease-max=256 --conf-file=/dev/null --domain=openstacklocal --user=root
  PIDS+=("$(cat "$d/pid")")
done
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
sleep 2
total=0
for pid in "${PIDS[@]}"; do
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  total=$((total + rss))
done
printf 'dnsmasq: %d processes running, started in %.1f s, total RSS %.1f MiB (%.2f MiB each)\n' "${#PIDS[@]}" "$elapsed" \
  "$(echo "$total / 1024" | bc -l)" "$(echo "$total / 1024 / ${#PIDS[@]}" | bc -l)"
