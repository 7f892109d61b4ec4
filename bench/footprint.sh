#!/usr/bin/env bash
# Start time and memory of one per-network DHCP server, as Neutron runs one per network:
# qdhcp serve (NativeAOT), qdhcp serve (JIT, framework-dependent) and dnsmasq, same machine, same run.
# Each server is started RUNS times in daemon mode with Neutron's command line inside a namespace of its own;
# start time = from exec until the command returns (the daemon serves and has written its pid file);
# RSS = VmRSS of the serving process 1 s after start. Prints a markdown table (medians) and keeps the raw CSV.
# Usage: sudo bench/footprint.sh [RUNS] [HOSTS]     (defaults 20 runs, 100 hosts)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-20}
HOSTS=${2:-100}
[[ $(id -u) -eq 0 ]] || { echo "footprint.sh: run as root (network namespaces, port 67)" >&2; exit 2; }
command -v dnsmasq >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base >/dev/null; }

echo "building qdhcp (JIT and NativeAOT)..." >&2
dotnet build -c Release src/Qdhcp.Cli -v quiet -nologo >/dev/null
dotnet publish src/Qdhcp.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/aot -v quiet -nologo >/dev/null
JIT=src/Qdhcp.Cli/bin/Release/net10.0/qdhcp
AOT=artifacts/aot/qdhcp

id=$(head -c4 /dev/urandom | od -An -tx1 | tr -d ' \n')
ns="qfp${id}"
state=$(mktemp -d "/tmp/qdhcp-footprint-${id}-XXXX")
netid=$(cat /proc/sys/kernel/random/uuid)
dir="$state/$netid"
mkdir -p "$dir"
csv="$state/footprint.csv"
pid=""
cleanup() {
  [[ -n $pid ]] && kill -9 "$pid" 2>/dev/null || true
  ip netns delete "$ns" 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add "tap${id}" type veth peer name "peer${id}"
ip -n "$ns" addr add 10.77.0.10/16 dev "tap${id}"
ip -n "$ns" link set "tap${id}" up
ip -n "$ns" link set "peer${id}" up

for ((i = 0; i < HOSTS; i++)); do
  printf 'fa:16:3e:77:%02x:%02x,host-10-77-%d-%d.openstacklocal,10.77.%d.%d\n' $((i / 250)) $((i % 250 + 1)) $((i / 250)) $((i % 250 + 1)) $((i / 250)) $((i % 250 + 1))
done > "$dir/host"
printf 'tag:subnet-x,option:dns-server,10.77.0.53\ntag:subnet-x,option:router,10.77.0.1' > "$dir/opts"
: > "$dir/addn_hosts"
: > "$dir/leases"
args=(--no-hosts --no-resolv "--pid-file=$dir/pid" "--dhcp-hostsfile=$dir/host" "--addn-hosts=$dir/addn_hosts"
  "--dhcp-optsfile=$dir/opts" "--dhcp-leasefile=$dir/leases" --dhcp-match=set:ipxe,175 --dhcp-userclass=set:ipxe6,iPXE
  --local-service --bind-dynamic --dhcp-range=set:subnet-x,10.77.0.0,static,255.255.0.0,86400s
  --dhcp-option-force=option:mtu,1500 --dhcp-lease-max=65536 --conf-file=/dev/null --domain=openstacklocal)

echo "server,run,start_ms,rss_kib" > "$csv"
for server in qdhcp-aot qdhcp-jit dnsmasq; do
  case $server in
    qdhcp-aot) cmd=("$AOT" serve) ;;
    qdhcp-jit) cmd=("$JIT" serve) ;;
    dnsmasq) cmd=(dnsmasq) ;;
  esac
  for ((run = 1; run <= RUNS; run++)); do
    rm -f "$dir/pid"
    start=$(date +%s%N)
    ip netns exec "$ns" "${cmd[@]}" "${args[@]}" >/dev/null 2>&1
    end=$(date +%s%N)
    for _ in $(seq 50); do [[ -s $dir/pid ]] && break; sleep 0.02; done
    pid=$(tr -dc 0-9 < "$dir/pid")
    sleep 1
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
    echo "$server,$run,$(( (end - start) / 1000 )),$rss" | awk -F, '{printf "%s,%s,%.1f,%s\n", $1, $2, $3 / 1000, $4}' >> "$csv"
    kill -9 "$pid"; pid=""
    sleep 0.2
  done
done

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo
echo "Per-network server footprint, $HOSTS hosts, $RUNS starts each (medians), $(date -u +%Y-%m-%d), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| server | start (ms, command returns serving) | RSS (MiB) |"
echo "|---|---|---|"
for server in qdhcp-aot qdhcp-jit dnsmasq; do
  s=$(awk -F, -v s="$server" '$1 == s {print $3}' "$csv" | median)
  r=$(awk -F, -v s="$server" '$1 == s {print $4}' "$csv" | median)
  printf '| %s | %s | %.1f |\n' "$server" "$s" "$(echo "$r / 1024" | bc -l)"
done
mkdir -p artifacts
cp "$csv" artifacts/footprint.csv
echo
echo "raw CSV: artifacts/footprint.csv"
