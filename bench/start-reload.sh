#!/usr/bin/env bash
# Start-up and reload work of `qdhcp serve` with HOSTS Neutron hosts, without load (root; one namespace pair).
#   sudo bench/start-reload.sh [RUNS] [HOSTS]        QDHCP=path/to/qdhcp to measure another build (e.g. NativeAOT)
# Per run: start = launch -> first OFFER (qdhcp-loadgen probe, as bench/run.sh); VmRSS 1 s and 5 s after; then the
# hosts file is rewritten with one host moved (genconf --tweak) and SIGHUP sent: the reload time the server logs,
# VmRSS 2 s after it and the peak (VmHWM). Namespaces qsr-srv-<pid>/qsr-gen-<pid>, removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
HOSTS=${2:-65535}
[[ $(id -u) -eq 0 ]] || { echo "start-reload.sh: run as root (network namespaces, port 67)" >&2; exit 2; }
dotnet build -c Release src/Qdhcp.Cli -v quiet -nologo >/dev/null
dotnet build -c Release bench/Qdhcp.LoadGen -v quiet -nologo >/dev/null
QDHCP=${QDHCP:-src/Qdhcp.Cli/bin/Release/net10.0/qdhcp}
LOADGEN=bench/Qdhcp.LoadGen/bin/Release/net10.0/qdhcp-loadgen
NS_SRV=qsr-srv-$$ NS_GEN=qsr-gen-$$ IF_SRV=qsrs$$ IF_GEN=qsrg$$
d=$(mktemp -d /tmp/qsr-$$-XXXX)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; sleep 0.5; kill -9 "$pid" 2>/dev/null || true; fi
  ip netns del "$NS_SRV" 2>/dev/null || true
  ip netns del "$NS_GEN" 2>/dev/null || true
  rm -rf "$d"
}
trap cleanup EXIT
ip netns add "$NS_SRV"; ip netns add "$NS_GEN"
ip link add "$IF_SRV" type veth peer name "$IF_GEN"
ip link set "$IF_SRV" netns "$NS_SRV"; ip link set "$IF_GEN" netns "$NS_GEN"
ip -n "$NS_SRV" addr add 10.64.0.1/15 dev "$IF_SRV"; ip -n "$NS_GEN" addr add 10.64.0.2/15 dev "$IF_GEN"
for ns in "$NS_SRV" "$NS_GEN"; do ip -n "$ns" link set lo up; done
ip -n "$NS_SRV" link set "$IF_SRV" up; ip -n "$NS_GEN" link set "$IF_GEN" up
conf() { python3 bench/lib/genconf.py "$d" "$HOSTS" "$IF_SRV" 10.64.0.1 15 10.64.1.0 --persist false "$@"; }
rss() { awk -v k="$2:" '$1==k{print int($2/1024)}' "/proc/$1/status"; }
args="--no-hosts --no-resolv --pid-file=$d/pid --dhcp-hostsfile=$d/host --addn-hosts=$d/addn_hosts --dhcp-optsfile=$d/opts
  --dhcp-leasefile=$d/leases --dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE --local-service --bind-dynamic
  --dhcp-range=set:subnet-bench,10.64.0.0,static,255.254.0.0,86400s --dhcp-option-force=option:mtu,1500
  --dhcp-lease-max=131072 --conf-file=/dev/null --domain=openstacklocal --keep-in-foreground"
echo "run,start_ms,rss_1s_mib,rss_5s_mib,reload_ms,rss_after_reload_mib,peak_mib,load1"
for r in $(seq "$RUNS"); do
  conf; : >"$d/leases"; : >"$d/server.log"
  out=$(ip netns exec "$NS_GEN" "$LOADGEN" probe --interface "$IF_GEN" --wait 60 --exec "ip netns exec $NS_SRV $QDHCP serve ${args//$'\n'/ } >>$d/server.log 2>&1")
  pid=$(sed -n 's/^pid=//p' <<<"$out"); start=$(sed -n 's/^first_offer_ms=//p' <<<"$out")
  sleep 1; rss1=$(rss "$pid" VmRSS); sleep 4; rss5=$(rss "$pid" VmRSS)
  conf --tweak; kill -HUP "$pid"
  for _ in $(seq 300); do grep -q "SIGHUP: reloaded" "$d/server.log" && break; sleep 0.1; done
  reload=$(grep -o 'reloaded [0-9]* hosts, [0-9]* options in [0-9.]* ms' "$d/server.log" | tail -1 | awk '{print $(NF-1)}')
  sleep 2
  echo "$r,$start,$rss1,$rss5,$reload,$(rss "$pid" VmRSS),$(rss "$pid" VmHWM),$(cut -d' ' -f1 /proc/loadavg)"
  grep -o "Start-up work.*" "$d/server.log" | head -1 >&2 || true
  kill "$pid"; for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done; pid=
done
