#!/usr/bin/env bash
# Issue 3's figures, qdhcp beside dnsmasq under the same real Neutron, same machine, same run:
#   - total memory of the DHCP servers of N networks (default 100; each with a subnet and a port), RSS and PSS;
#   - time from `openstack port create` to the VM's address (median of K ports, default 5).
# Usage (root):  bench/neutron-footprint.sh [N] [K]      Results: a Markdown table on stdout (and in $OUT if set).
#
# Servers: qdhcp-aot (the NativeAOT build, published to artifacts/neutron-bench-aot unless QDHCP_AOT_BIN is set),
# qdhcp (the JIT build, src/Qdhcp.Cli/bin/Release/net10.0/qdhcp), dnsmasq; QDHCP_BENCH_SERVERS="qdhcp dnsmasq" picks.
# One Neutron (tests/neutron/lib.sh: the DHCP agent finds a `dnsmasq` wrapper first on its PATH, which runs the
# server named in a file). The N networks are made once; for each server in turn the wrapper is switched and every
# running server is killed (by the pids in the agent's pid files), so the agent's process monitor respawns all N
# with that server (check_child_processes_interval = 5 s); when all N run the new binary, memory is summed
# over their pids after 10 s of rest, then K ports are timed on the flat network: a VM namespace with the port's MAC
# runs tests/neutron/dhcp-probe.py (DISCOVER every 100 ms) while `openstack port create` runs; the time is from
# just before the CLI starts to the ACK (the CLI's own run time is shown beside it: under noauth most of it is Python
# starting up, and the VM may have its address before the CLI returns).
set -Eeuo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/../tests/neutron/lib.sh"

N=${1:-100}
K=${2:-5}
SERVERS=(${QDHCP_BENCH_SERVERS:-qdhcp-aot qdhcp dnsmasq})
LAB_CHILD_CHECK=5
QDHCP_NEUTRON_DEBUG=${QDHCP_NEUTRON_DEBUG:-false}
PROBE=$LAB_REPO/tests/neutron/dhcp-probe.py

LAB_INSTALL_LOG=/tmp/qdhcp-neutron-apt.log
lab_install
if [[ " ${SERVERS[*]} " == *" qdhcp-aot "* && -z ${QDHCP_AOT_BIN:-} ]]; then
  # The NativeAOT build docs/footprint.md recommends as Neutron's `dnsmasq`, published fresh from this tree.
  LAB_QDHCP_AOT=$LAB_REPO/artifacts/neutron-bench-aot/qdhcp
  log "publishing the NativeAOT build to $(dirname "$LAB_QDHCP_AOT")"
  dotnet publish "$LAB_REPO/src/Qdhcp.Cli" -c Release -r linux-x64 -p:PublishAot=true -o "$(dirname "$LAB_QDHCP_AOT")" \
    -v quiet -nologo >/tmp/qdhcp-neutron-aot-publish.log 2>&1 || die "dotnet publish (AOT) failed: see /tmp/qdhcp-neutron-aot-publish.log"
fi
QDHCP_NEUTRON_SERVER=${SERVERS[0]}
lab_up

# --- N networks: 1 flat (the VMs' bridge) + N-1 local ones, each with a /24 subnet and a port --------------------------
t0=$SECONDS
api_py() { in_labnet env LAB_API="http://127.0.0.1:$LAB_API_PORT/v2.0" "$LAB_PY" - "$@"; }
api_py "$N" >"$LAB_DIR/networks" <<'EOF'
import json, os, sys, urllib.request
base = os.environ["LAB_API"]
def call(method, path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(), method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r)
n = int(sys.argv[1])
for i in range(n):
    net = {"name": "bench-%d" % i}
    if i == 0:
        net.update({"provider:network_type": "flat", "provider:physical_network": "physnet1"})
    net_id = call("POST", "/networks", {"network": net})["network"]["id"]
    cidr = "10.77.0.0/24" if i == 0 else "10.%d.%d.0/24" % (128 + i // 256, i % 256)
    prefix = cidr.rsplit(".", 1)[0]
    sub = call("POST", "/subnets", {"subnet": {"network_id": net_id, "ip_version": 4, "cidr": cidr,
        "gateway_ip": prefix + ".1", "dns_nameservers": [prefix + ".53"],
        "allocation_pools": [{"start": prefix + ".10", "end": prefix + ".200"}]}})["subnet"]["id"]
    call("POST", "/ports", {"port": {"network_id": net_id, "mac_address": "fa:16:3e:bb:%02x:%02x" % (i // 256, i % 256),
        "fixed_ips": [{"subnet_id": sub, "ip_address": prefix + ".42"}]}})
    print(net_id, sub, flush=True)
EOF
mapfile -t NETS < <(awk '{print $1}' "$LAB_DIR/networks")
LAB_NETS+=("${NETS[@]}")
FLAT_NET=${NETS[0]}
FLAT_SUB=$(awk 'NR==1 {print $2}' "$LAB_DIR/networks")
log "created ${#NETS[@]} networks, subnets and ports through the API ($((SECONDS - t0)) s)"

runs_server() { # pid server
  local cmd; cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
  case $2 in
    qdhcp) [[ $cmd == *"$LAB_QDHCP serve "* ]] ;;
    qdhcp-aot) [[ $cmd == "$LAB_QDHCP_AOT serve "* ]] ;;
    dnsmasq) [[ $cmd == /usr/sbin/dnsmasq* ]] ;;
  esac
}
count_up() { # server -> number of networks whose server runs that binary
  local n=0 net p
  for net in "${NETS[@]}"; do
    p=$(server_pid "$net" 2>/dev/null) && runs_server "$p" "$1" && n=$((n + 1))
  done
  echo "$n"
}
all_up() { [[ $(count_up "$1") -eq ${#NETS[@]} ]]; }
# Every DHCP server process in a network's namespace (the agent tracks one through the pid file; there may be more).
ns_servers() { # net
  local p cmd
  for p in $(ip netns pids "qdhcp-$1" 2>/dev/null); do
    cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) || continue
    [[ $cmd == *" serve "* || $cmd == /usr/sbin/dnsmasq* ]] && echo "$p"
  done
}

declare -A RSS PSS UP MED_TOTAL MED_AFTER FAILS PER DUPS
median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

wait_for $((60 + 6 * N)) "$N servers running ${SERVERS[0]} (first start)" all_up "${SERVERS[0]}" || true
log "first start: $(count_up "${SERVERS[0]}")/$N networks run ${SERVERS[0]} ($((SECONDS - t0)) s after creation began)"

LOAD=()
round=0
for server in "${SERVERS[@]}"; do
  round=$((round + 1))
  echo "$server" >"$LAB_DIR/server"
  t0=$SECONDS
  # Kill every running server: the agent's process monitor respawns each through the wrapper, now this server.
  for net in "${NETS[@]}"; do for p in $(ns_servers "$net"); do kill -KILL "$p" 2>/dev/null || true; done; done
  if ! wait_for $((60 + 6 * N)) "$N servers running $server" all_up "$server"; then
    log "only $(count_up "$server") of $N networks run $server"
  fi
  UP[$server]="$(count_up "$server")/$N in $((SECONDS - t0)) s"
  log "$server: ${UP[$server]}"
  sleep 10
  LOAD+=("$server $(cut -d' ' -f1-3 /proc/loadavg)")
  dups=0
  for net in "${NETS[@]}"; do (($(ns_servers "$net" | wc -l) > 1)) && dups=$((dups + 1)); done
  DUPS[$server]=$dups
  ((dups == 0)) || log "$server: $dups networks have more than one server process (the agent tracks only the pid file's)"
  rss=0 pss=0 n=0
  for net in "${NETS[@]}"; do
    p=$(server_pid "$net" 2>/dev/null) || continue
    runs_server "$p" "$server" || continue
    r=$(awk '/^VmRSS:/ {print $2}' "/proc/$p/status")
    s=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
    rss=$((rss + r)) pss=$((pss + s)) n=$((n + 1))
  done
  RSS[$server]=$rss PSS[$server]=$pss PER[$server]=$((n ? rss / n : 0))
  log "$server: $n servers, RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB"

  # K ports timed on the flat network.
  totals=() afters=() fails=0
  for ((k = 1; k <= K; k++)); do
    idx=$((round * 50 + k))  # a MAC and an address of its own for each timed port (K <= 49)
    mac=$(printf 'fa:16:3e:cc:%02x:%02x' $((idx / 256)) $((idx % 256)))
    ip=10.77.$((idx / 250)).$((idx % 250 + 2))
    vm_make "${server:0:1}$k" "$mac"
    ip netns exec "$VM_NS" "$LAB_PY" "$PROBE" eth0 "$mac" --timeout 60 >"$LAB_DIR/probe-$server-$k" 2>&1 &
    probe=$!
    sleep 0.3
    start=$(date +%s.%N)
    created=1
    os port create --network "$FLAT_NET" --mac-address "$mac" --fixed-ip "subnet=$FLAT_SUB,ip-address=$ip" \
      "timed-$server-$k" -f value -c id >/dev/null || { created=0; log "port create failed"; }
    returned=$(date +%s.%N)
    wait "$probe" || true
    read -r what at got <"$LAB_DIR/probe-$server-$k" || true
    if ((created)) && [[ $what == ack && $got == "$ip" ]]; then
      totals+=("$(printf '%.2f' "$(echo "$at - $start" | bc)")"); afters+=("$(printf '%.2f' "$(echo "$returned - $start" | bc)")")
      log "$server port $k: $mac got $got $(echo "$at - $start" | bc) s after port create began ($(echo "$returned - $start" | bc) s until the CLI returned)"
    else
      fails=$((fails + 1)); log "$server port $k: no address ($what $got)"
    fi
    kill_ns_pids "$VM_NS" KILL; ip netns del "$VM_NS"
  done
  MED_TOTAL[$server]=$(printf '%s\n' "${totals[@]}" | median)
  MED_AFTER[$server]=$(printf '%s\n' "${afters[@]}" | median)
  FAILS[$server]=$fails
done

# --- report ---------------------------------------------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(free -g | awk '/^Mem:/ {print $2}')
neutron_v=$(dpkg-query -W -f='${Version}' neutron-dhcp-agent)
dnsmasq_v=$(dpkg-query -W -f='${Version}' dnsmasq-base)
rev=$(git -C "$LAB_REPO" rev-parse --short HEAD)
runtime=$(dotnet --list-runtimes 2>/dev/null | awk '/NETCore.App/ {v=$2} END {print v}')
loads=$(printf '%s; ' "${LOAD[@]}")
{
  echo "### Neutron footprint: $N networks, $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores ($cpu), $mem GiB, kernel $(uname -r). Neutron $neutron_v, dnsmasq $dnsmasq_v,"
  echo "qdhcp at $rev (.NET $runtime). Load average (1, 5, 15 min) when each server's memory was read: ${loads%; }."
  echo
  echo "| server | all $N respawned by the agent | total RSS | RSS per server | total PSS | 'openstack port create' -> VM's address (median of $K) | the CLI alone (median) | no address | networks with 2+ servers |"
  echo "|---|---|---|---|---|---|---|---|---|"
  for server in "${SERVERS[@]}"; do
    printf '| %s | %s | %d MiB | %.1f MiB | %d MiB | %s s | %s s | %s | %s |\n' "$server" "${UP[$server]}" $((RSS[$server] / 1024)) \
      "$(echo "${PER[$server]} / 1024" | bc -l)" $((PSS[$server] / 1024)) "${MED_TOTAL[$server]}" "${MED_AFTER[$server]}" "${FAILS[$server]}" "${DUPS[$server]}"
  done
} | tee "${OUT:-/dev/null}"
log "benchmark done ($((SECONDS - LAB_STARTED)) s)"
