#!/usr/bin/env bash
# Queries per second for local names, qdhcp serve vs dnsmasq, same run, same data: a network of 10,000 hosts
# (hosts file + addn_hosts as Neutron writes them), dnsperf (Debian package) in a client namespace.
# Root only; everything lives in two namespaces created here (qdnsb<id>s, qdnsb<id>c), removed at the end, also on
# failure or Ctrl-C; only the PIDs started here are killed.
#   sudo bench/dns/run-dnsperf.sh [seconds per run (default 15)] [rounds (default 2)]
# Prints the environment and one line per run, then a markdown table for docs/dns.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-15}
rounds=${2:-2}
hosts=10000

[[ $(id -u) -eq 0 ]] || { echo "run-dnsperf.sh: needs root (network namespaces)"; exit 1; }
need=()
command -v dnsperf >/dev/null || need+=(dnsperf)
command -v dnsmasq >/dev/null || [[ -x /usr/sbin/dnsmasq ]] || need+=(dnsmasq-base)
command -v dig >/dev/null || need+=(dnsutils)
if ((${#need[@]})); then
  echo "run-dnsperf.sh: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
dnsmasq_bin=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
qdhcp=src/Qdhcp.Cli/bin/Release/net10.0/qdhcp
if [[ ! -x $qdhcp ]]; then dotnet build -c Release src/Qdhcp.Cli >/dev/null; fi

id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
sns="qdnsb${id}s" cns="qdnsb${id}c"
dir=$(mktemp -d "/tmp/qdnsb${id}-XXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  ip netns del "$sns" 2>/dev/null || true
  ip netns del "$cns" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# --- topology: server 10.20.0.1/16 (tap) <== veth ==> client 10.20.0.2/16 -------------------------------------------
ip netns add "$sns"; ip netns add "$cns"
ip -n "$sns" link add tapb type veth peer name eth0 netns "$cns"
ip -n "$sns" addr add 10.20.0.1/16 dev tapb; ip -n "$cns" addr add 10.20.0.2/16 dev eth0
for ns in "$sns" "$cns"; do ip -n "$ns" link set lo up; done
ip -n "$sns" link set tapb up; ip -n "$cns" link set eth0 up

# --- data: 10,000 ports as the agent writes them; queries: every host's FQDN (A), shuffled ---------------------------
: > "$dir/host"; : > "$dir/addn_hosts"; : > "$dir/opts"; : > "$dir/queries"
for ((i = 0; i < hosts; i++)); do
  a=$((1 + i / 250)) b=$((1 + i % 250))
  printf 'fa:16:3e:00:%02x:%02x,host-10-20-%d-%d.openstacklocal,10.20.%d.%d\n' "$a" "$b" "$a" "$b" "$a" "$b" >> "$dir/host"
  printf '10.20.%d.%d\thost-10-20-%d-%d.openstacklocal host-10-20-%d-%d\n' "$a" "$b" "$a" "$b" "$a" "$b" >> "$dir/addn_hosts"
  printf 'host-10-20-%d-%d.openstacklocal A\n' "$a" "$b" >> "$dir/queries"
done
shuf "$dir/queries" -o "$dir/queries"

args=(--no-hosts --no-resolv --strict-order --bind-interfaces --interface=tapb --except-interface=lo
  "--dhcp-hostsfile=$dir/host" "--addn-hosts=$dir/addn_hosts" "--dhcp-optsfile=$dir/opts" --leasefile-ro
  --dhcp-range=set:subnet-b,10.20.0.0,static,255.255.0.0,86400s --dhcp-lease-max=20000 --local-service
  --conf-file=/dev/null --domain=openstacklocal --keep-in-foreground)

start_server() { # $1: qdhcp|dnsmasq
  if [[ $1 == qdhcp ]]; then
    ip netns exec "$sns" "$qdhcp" serve "${args[@]}" "--pid-file=$dir/pid" > "$dir/server.log" 2>&1 &
  else
    ip netns exec "$sns" "$dnsmasq_bin" "${args[@]}" "--pid-file=$dir/pid" --user=root --log-facility="$dir/server.log" &
  fi
  server_pid=$!
  pids+=("$server_pid")
  for _ in $(seq 100); do
    if ip netns exec "$cns" dig @10.20.0.1 +time=1 +tries=1 +short host-10-20-1-1.openstacklocal 2>/dev/null | grep -q 10.20.1.1; then return 0; fi
    sleep 0.1
  done
  echo "run-dnsperf.sh: $1 did not answer"; cat "$dir/server.log"; exit 1
}
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }

measure() { # $1: seconds; prints qps
  ip netns exec "$cns" dnsperf -s 10.20.0.1 -d "$dir/queries" -l "$1" -c 4 -q 200 -t 2 > "$dir/perf.out" 2>&1 || true
  local qps lost
  qps=$(sed -n 's/.*Queries per second: *\([0-9.]*\).*/\1/p' "$dir/perf.out")
  lost=$(sed -n 's/.*Queries lost: *\([0-9]*\).*/\1/p' "$dir/perf.out")
  echo "${qps:-0} ${lost:-?}"
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
echo "qdhcp: $(git rev-parse --short HEAD 2>/dev/null || echo '?'), .NET $(dotnet --version 2>/dev/null || echo '?')"
echo "dnsmasq: $("$dnsmasq_bin" --version | head -1)"
echo "dnsperf: $(dnsperf -h 2>&1 | sed -n 's/.*[Vv]ersion \([0-9.]*\).*/\1/p' | head -1)"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ); $hosts hosts, queries: A for every host's FQDN, shuffled; ${seconds}s per run, $rounds rounds"

declare -A total=([qdhcp]=0 [dnsmasq]=0)
for ((r = 1; r <= rounds; r++)); do
  for server in qdhcp dnsmasq; do
    start_server "$server"
    measure 3 > /dev/null # warm-up (JIT for qdhcp, caches for both)
    read -r qps lost < <(measure "$seconds")
    echo "round $r $server: $qps qps (lost $lost)"
    total[$server]=$(awk -v a="${total[$server]}" -v b="$qps" 'BEGIN { print a + b }')
    stop_server
  done
done

q=$(awk -v t="${total[qdhcp]}" -v n="$rounds" 'BEGIN { printf "%.0f", t / n }')
d=$(awk -v t="${total[dnsmasq]}" -v n="$rounds" 'BEGIN { printf "%.0f", t / n }')
ratio=$(awk -v q="$q" -v d="$d" 'BEGIN { if (d > 0) printf "%.2f", q / d; else print "n/a" }')
echo
echo "| server | mean qps | qdhcp / dnsmasq |"
echo "|---|---|---|"
echo "| qdhcp serve | $q | $ratio |"
echo "| dnsmasq | $d | 1.00 |"
