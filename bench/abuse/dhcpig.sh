#!/usr/bin/env bash
# bench/abuse/dhcpig.sh: Debian's dhcpig (DHCP pool exhaustion, scapy) against `qdhcp serve`, in namespaces of
# its own, while a reserved host and a client that already holds a pool lease keep asking for their addresses.
# Run as root. Nothing outside the namespaces it creates is touched; they are removed at exit, also on failure.
#
#   bench/abuse/dhcpig.sh                       # 60 s of dhcpig against a 50-address pool, default limits
#   EXTRA="--dhcp-pool-rate-limit=2" bench/abuse/dhcpig.sh
#
# Environment (defaults in brackets):
#   RANGE [10.99.0.100,10.99.0.149,12h]  the dynamic pool     DURATION [60]  seconds dhcpig runs
#   THREADS [4]  dhcpig's sender threads (-t)                  EXTRA []      more qdhcp serve options
#   QDHCP [src/Qdhcp.Cli/bin/{Release,Debug}/net10.0/qdhcp]    OUT [/var/tmp/qdhcp-abuse/dhcpig-<date>]
#
# Topology (one bridge in a fabric namespace; dhcpig only ever sees its own namespace's eth0):
#   qpig-srv-$$ (qdhcp, 10.99.0.1/24) -- qpig-fab-$$ br0 -- qpig-att-$$ (dhcpig), qpig-res-$$ (reserved host
#   fa:16:3e:99:00:10 -> 10.99.0.10), qpig-old-$$ (fa:16:3e:99:00:20, takes a pool lease before the attack)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "dhcpig.sh: needs root (namespaces, raw sockets)"; exit 1; }
command -v dhcpig >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dhcpig >/dev/null
command -v udhcpc >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends udhcpc >/dev/null
RANGE=${RANGE:-10.99.0.100,10.99.0.149,12h}
SECONDS_TO_RUN=${DURATION:-60}
THREADS=${THREADS:-4}
EXTRA=${EXTRA:-}
OUT=${OUT:-/var/tmp/qdhcp-abuse/dhcpig-$(date +%Y%m%d-%H%M%S)}
QDHCP=${QDHCP:-}
for c in Release Debug; do
  [[ -z $QDHCP && -x $repo/src/Qdhcp.Cli/bin/$c/net10.0/qdhcp ]] && QDHCP=$repo/src/Qdhcp.Cli/bin/$c/net10.0/qdhcp
done
[[ -n $QDHCP ]] || { echo "dhcpig.sh: build qdhcp first (dotnet build -c Release Qdhcp.slnx) or set QDHCP"; exit 1; }
mkdir -p "$OUT"

# Debian 12's dhcpig 1.5-3 does not work as packaged: under python3-scapy 2.5 every sender thread dies at its
# first DISCOVER (struct.error: param_req_list and client_id are built from chr() strings, which scapy 2.5 no
# longer packs), and its sniffer dies at the first reply (Python 2 left-overs: xrange, bytes joined as str,
# dict.iteritems). Run a copy with exactly those lines ported to Python 3; the attack logic is unchanged.
DHCPIG=$OUT/dhcpig.py
sed -e 's/("param_req_list", chr(1),chr(121),chr(3),chr(6),chr(15),chr(119),chr(252),chr(95),chr(44),chr(46))/("param_req_list", [1,121,3,6,15,119,252,95,44,46])/' \
    -e 's/("client_id", chr(1), mac2str(m))/("client_id", b"\\x01" + mac2str(m))/' \
    -e 's/("client_id",chr(1),mac2str(cmac))/("client_id", b"\\x01" + mac2str(cmac))/' \
    -e 's/mac = binascii.hexlify(binmac)\[0:12\]$/mac = binascii.hexlify(binmac)[0:12].decode()/' \
    -e 's/("param_req_list","pad")/("param_req_list",[1,3,6,15])/' -e 's/in xrange(/in range(/' -e 's/nodes.iteritems()/nodes.items()/' "$(command -v dhcpig)" > "$DHCPIG"

id=$$
SRV=qpig-srv-$id FAB=qpig-fab-$id ATT=qpig-att-$id RES=qpig-res-$id OLD=qpig-old-$id
RES_MAC=fa:16:3e:99:00:10 OLD_MAC=fa:16:3e:99:00:20
server_pid=
cleanup() {
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && sleep 0.5
  for ns in $ATT $RES $OLD $SRV $FAB; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for ns in $SRV $FAB $ATT $RES $OLD; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n $FAB link add br0 type bridge && ip -n $FAB link set br0 up
n=0
for ns in $SRV $ATT $RES $OLD; do
  ip -n $FAB link add "qp$id$n" type veth peer name eth0 netns "$ns"
  ip -n $FAB link set "qp$id$n" master br0 up
  ip -n "$ns" link set eth0 up
  n=$((n + 1))
done
ip -n $RES link set eth0 address $RES_MAC
ip -n $OLD link set eth0 address $OLD_MAC
ip -n $SRV addr add 10.99.0.1/24 dev eth0

echo "$RES_MAC,reserved,10.99.0.10" > "$OUT/hosts"
# shellcheck disable=SC2086
ip netns exec $SRV "$QDHCP" serve --keep-in-foreground --interface=eth0 --port=0 --conf-file= \
  "--dhcp-range=$RANGE" "--dhcp-range=set:res,10.99.0.0,static,12h" "--dhcp-hostsfile=$OUT/hosts" \
  "--dhcp-leasefile=$OUT/leases" --dhcp-lease-max=1000 $EXTRA >"$OUT/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do ip netns exec $SRV ss -uln | grep -q ':67 ' && break; sleep 0.1; done

# A client with no script: it configures nothing, it only says which address it got.
lease_of() {
  local log
  log=$(ip netns exec "$1" udhcpc -f -q -n -i eth0 -s /bin/true -t 4 -T 2 -A 1 ${2:+-r $2} 2>&1 || true)
  printf '%s\n--\n' "$log" >>"$OUT/udhcpc-$1.log"
  sed -n 's/.*lease of \([0-9.]*\) obtained.*/\1/p' <<<"$log" | tail -1
}

old_ip=$(lease_of $OLD)
res_ip=$(lease_of $RES)
echo "before: reserved host $RES_MAC -> ${res_ip:-none}, pool client $OLD_MAC -> ${old_ip:-none}" | tee "$OUT/summary.txt"
rss_start=$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)

echo "dhcpig -t $THREADS for $SECONDS_TO_RUN s (server: $RANGE $EXTRA)" | tee -a "$OUT/summary.txt"
ip netns exec $ATT timeout --signal=INT --kill-after=5 "$SECONDS_TO_RUN" "$(head -1 "$(command -v dhcpig)" | sed "s/^#! *//")" "$DHCPIG" -v 10 -l -t "$THREADS" eth0 >"$OUT/dhcpig.log" 2>&1 &
pig=$!
ok_res=0 ok_old=0 tries=0 started=$(date +%s)
while kill -0 $pig 2>/dev/null; do
  sleep 2
  tries=$((tries + 1))
  [[ $(lease_of $RES) == "${res_ip:-x}" ]] && ok_res=$((ok_res + 1))
  [[ $(lease_of $OLD "$old_ip") == "${old_ip:-x}" ]] && ok_old=$((ok_old + 1))
done
wait $pig || true
elapsed=$(( $(date +%s) - started ))
rss_end=$(awk '/VmRSS/ {print $2}' /proc/$server_pid/status)
pool_leases=$(grep -vc " $RES_MAC \| $OLD_MAC " "$OUT/leases" || true)
{
  echo "during ${elapsed} s of dhcpig: reserved host got ${res_ip:-?} in $ok_res of $tries tries; pool client kept ${old_ip:-?} in $ok_old of $tries tries"
  echo "leases in the file after: $(wc -l < "$OUT/leases") ($pool_leases taken by dhcpig's MACs)"
  echo "dhcpig: $(grep -c 'DHCP_Discover' "$OUT/dhcpig.log" || true) DISCOVERs, $(grep -c 'DHCP_Offer' "$OUT/dhcpig.log" || true) OFFERs, $(grep -c 'DHCP_Request' "$OUT/dhcpig.log" || true) REQUESTs, $(grep -c 'DHCP_ACK' "$OUT/dhcpig.log" || true) ACKs seen; $(grep -c 'Traceback' "$OUT/dhcpig.log" || true) Python tracebacks; last line: $(grep -v '^\s*$' "$OUT/dhcpig.log" | tail -1)"
  echo "server: alive=$(kill -0 $server_pid 2>/dev/null && echo yes || echo NO), RSS ${rss_start} kB -> ${rss_end} kB, log lines $(wc -l < "$OUT/server.log")"
} | tee -a "$OUT/summary.txt"
echo "logs in $OUT"
