#!/usr/bin/env bash
# Qdhcp vs dnsmasq vs Kea, side by side, in one run (issue 5). Run as root from anywhere:
#
#   sudo bench/run.sh                 # the full matrix (about 35-40 minutes with the defaults)
#   sudo QUICK=1 bench/run.sh         # a 2-minute smoke run: fewer rates, 1 repeat, 3 s points
#
# Each server serves the same network (10.64.0.0/15, server 10.64.0.1) with the same reservations, in a
# namespace of its own, reached over a veth from a load-generator namespace. Nothing outside the two namespaces
# is touched; both are removed at exit, also on failure or Ctrl-C. See docs/benchmarks.md for what is measured.
#
# Environment (defaults in brackets):
#   SERVERS   [qdhcp dnsmasq kea-persist kea-nopersist]   which servers, in this order (alternated per repeat)
#   HOSTS     [10000 65535]        reservation counts (Neutron-style hosts files)
#   RATES     [1000 5000 10000 20000 30000 0]   offered DORA/s per point; 0 = unlimited; "" skips
#   RELOAD    [1]   0 skips the SIGHUP-under-load measurement
#   DIRECT_RATES [5000 20000 0]    rates for the direct-client path (qdhcp-loadgen), largest HOSTS only; "" skips
#   LG_RELAY_RATES [10000 20000 30000 0]   the relay path again with qdhcp-loadgen as the relay (perfdhcp cannot send
#             20,000/s on 2 cores), largest HOSTS only; "" skips
#   SECONDS_PER_POINT [6]  REPEAT [3]   CLIENTS_CAP: perfdhcp -R (defaults to HOSTS)
#   OUT       [/var/tmp/qdhcp-bench/<date>]   where results.csv, results.md and the logs go
#   WARMUP_SECONDS [3]   unmeasured perfdhcp load at 2,000 DORA/s after each start (JIT warm-up, leases in place)
#   POOL_CLIENTS [65535]   the dynamic-pool scenario: this many distinct clients (perfdhcp -R) take addresses from a
#             pool of 130,000 (no reservations); "" skips it. POOL_RATES [5000 10000 20000 0]
#   POOL_SERVERS [qdhcp qdhcp-nojournal dnsmasq kea-persist kea-nopersist]   qdhcp-nojournal = --leasefile-ro
#   GEN_RCVBUF [4194304]   perfdhcp's socket receive buffer, set from outside (lib/rcvbuf.py); 0 = its default
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
[[ $(id -u) -eq 0 ]] || { echo "run.sh: needs root (namespaces, raw sockets)"; exit 1; }

if [[ -n ${QUICK:-} ]]; then
  : "${HOSTS:=65535}" "${RATES:=10000 20000 0}" "${DIRECT_RATES:=20000 0}" "${LG_RELAY_RATES:=20000 0}" "${SECONDS_PER_POINT:=3}" "${REPEAT:=1}"
fi
SERVERS=${SERVERS-qdhcp dnsmasq kea-persist kea-nopersist}
HOSTS=${HOSTS-10000 65535}
RATES=${RATES-1000 5000 10000 20000 30000 0}
RELOAD=${RELOAD-1}
DIRECT_RATES=${DIRECT_RATES-5000 20000 0}
LG_RELAY_RATES=${LG_RELAY_RATES-10000 20000 30000 0}
SECONDS_PER_POINT=${SECONDS_PER_POINT:-6}
POOL_CLIENTS=${POOL_CLIENTS-65535}
POOL_RATES=${POOL_RATES:-5000 10000 20000 0}
POOL_SERVERS=${POOL_SERVERS:-qdhcp qdhcp-nojournal dnsmasq kea-persist kea-nopersist}
REPEAT=${REPEAT:-3}
OUT=${OUT:-/var/tmp/qdhcp-bench/$(date +%Y%m%d-%H%M%S)}
WARMUP_SECONDS=${WARMUP_SECONDS:-3}
GEN_RCVBUF=${GEN_RCVBUF:-4194304}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# --- tools --------------------------------------------------------------------------------------------------------
need=()
command -v perfdhcp >/dev/null || need+=(kea-admin)
command -v kea-dhcp4 >/dev/null || need+=(kea-dhcp4-server)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
if ((${#need[@]})); then
  echo "run.sh: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "==> building qdhcp and qdhcp-loadgen (Release)"
dotnet build -c Release "$repo/src/Qdhcp.Cli" -v q -nologo >"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
dotnet build -c Release "$repo/bench/Qdhcp.LoadGen" -v q -nologo >>"$OUT/build.log" 2>&1 || { tail -20 "$OUT/build.log"; exit 1; }
QDHCP=${QDHCP_BIN:-$repo/src/Qdhcp.Cli/bin/Release/net10.0/qdhcp}  # QDHCP_BIN: another build, e.g. the NativeAOT one
LOADGEN=${LOADGEN_BIN:-$repo/bench/Qdhcp.LoadGen/bin/Release/net10.0/qdhcp-loadgen}  # LOADGEN_BIN: another build of the generator

# --- the two namespaces -----------------------------------------------------------------------------------------
id=$$
NS_SRV=qdb-srv-$id NS_GEN=qdb-gen-$id IF_SRV=qdbs$id IF_GEN=qdbg$id
SERVER_IP=10.64.0.1 GEN_IP=10.64.0.2 PLEN=15 FIRST_HOST=10.64.1.0
server_pid=
stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
  fi
  server_pid=
}
cleanup() {
  stop_server
  ip netns del "$NS_SRV" 2>/dev/null || true
  ip netns del "$NS_GEN" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS_SRV"
ip netns add "$NS_GEN"
ip link add "$IF_SRV" type veth peer name "$IF_GEN"
ip link set "$IF_SRV" netns "$NS_SRV"
ip link set "$IF_GEN" netns "$NS_GEN"
ip -n "$NS_SRV" addr add "$SERVER_IP/$PLEN" dev "$IF_SRV"
ip -n "$NS_GEN" addr add "$GEN_IP/$PLEN" dev "$IF_GEN"
for ns in "$NS_SRV" "$NS_GEN"; do ip -n "$ns" link set lo up; done
ip -n "$NS_SRV" link set "$IF_SRV" up
ip -n "$NS_GEN" link set "$IF_GEN" up
# Big enough socket buffers on both sides, so that drops are the server's, not a default 208 KiB buffer's.
for ns in "$NS_SRV" "$NS_GEN"; do
  ip netns exec "$ns" sysctl -qw net.core.rmem_max=33554432 net.core.wmem_max=33554432 \
    net.core.rmem_default=4194304 net.core.wmem_default=4194304 2>/dev/null || true
done

# --- servers ----------------------------------------------------------------------------------------------------
SCENARIO=static
POOL_FIRST=10.64.1.0 POOL_LAST=10.65.255.250
neutron_args() { # the agent's dnsmasq command line (neutron-samples/README.md), for DIR; a pool in the pool scenario
  local d=$1 range="10.64.0.0,static"
  # dnsmasq pings an address before it offers it from a pool and stays silent meanwhile (perfdhcp does not
  # retransmit): --no-ping, as Kea and qdhcp never ping.
  [[ $SCENARIO == pool ]] && range="$POOL_FIRST,$POOL_LAST" && echo -n "--no-ping "
  echo "--no-hosts --no-resolv --pid-file=$d/pid --dhcp-hostsfile=$d/host --addn-hosts=$d/addn_hosts" \
       "--dhcp-optsfile=$d/opts --dhcp-leasefile=$d/leases --dhcp-match=set:ipxe,175" \
       "--dhcp-userclass=set:ipxe6,iPXE --local-service --bind-dynamic" \
       "--dhcp-range=set:subnet-bench,$range,255.254.0.0,86400s" \
       "--dhcp-option-force=option:mtu,1500 --dhcp-lease-max=131072 --conf-file=/dev/null --domain=openstacklocal"
}
# qdhcp's abuse limits are per client and per relay, and Kea and dnsmasq have none: perfdhcp is one relay bringing
# 65,535 clients, so in the pool scenario the per-relay pool limit (default 50 new addresses/s) is turned off.
qdhcp_args() {
  local d=$1 a
  a="$(neutron_args "$d")"
  [[ $SCENARIO == pool ]] && a="$a --dhcp-pool-rate-limit=0"
  # qdhcp-loadgen probe (start and SIGHUP times) sends a DISCOVER every 2 ms from one MAC: under the per-client
  # limit (10/s) its answers would come at the limiter's pace, not the server's.
  a="$a --dhcp-client-rate-limit=0"
  [[ $2 == qdhcp-nojournal ]] && a="${a/--dhcp-leasefile=$d\/leases/--leasefile-ro}"
  echo "$a"
}
server_command() { # SERVER DIR -> the command that runs it in the server namespace, in the foreground
  local s=$1 d=$2
  case $s in
    qdhcp|qdhcp-nojournal) echo "env ${QDHCP_ENV:-QDHCP_BENCH=1} ip netns exec $NS_SRV $QDHCP serve $(qdhcp_args "$d" "$s") ${QDHCP_EXTRA_ARGS:-} --keep-in-foreground >>$d/server.log 2>&1" ;;
    dnsmasq) echo "ip netns exec $NS_SRV dnsmasq $(neutron_args "$d") --keep-in-foreground --log-facility=$d/server.log >>$d/server.log 2>&1" ;;
    kea-*) echo "env KEA_PIDFILE_DIR=$d KEA_LOCKFILE_DIR=$d ip netns exec $NS_SRV kea-dhcp4 -c $d/kea-dhcp4.json >>$d/server.log 2>&1" ;;
  esac
}
# Starts SERVER with HOSTS hosts; sets server_pid and start_ms (launch to first OFFER, probed every 2 ms).
start_server() {
  local s=$1 n=$2 d=$OUT/servers/$1-$2-$SCENARIO
  rm -rf "$d"; mkdir -p "$d"
  python3 "$here/lib/genconf.py" "$d" "$n" "$IF_SRV" "$SERVER_IP" "$PLEN" "$FIRST_HOST" \
    --persist "$([[ $s == kea-persist ]] && echo true || echo false)" \
    $([[ $SCENARIO == pool ]] && echo "--pool $POOL_FIRST $POOL_LAST")
  local out
  out=$(ip netns exec "$NS_GEN" "$LOADGEN" probe --interface "$IF_GEN" --wait 60 --exec "$(server_command "$s" "$d")") || true
  server_pid=$(sed -n 's/^pid=//p' <<<"$out")
  start_ms=$(sed -n 's/^first_offer_ms=//p' <<<"$out")
  sleep 0.5
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: $s did not start; log:"; tail -20 "$d/server.log"; exit 1; }
}

# perfdhcp, with its socket's receive buffer raised (lib/rcvbuf.py says why): the wrapper shell's pid is perfdhcp's
# after the exec, and rcvbuf.py waits for it to open its sockets.
PERFDHCP=(perfdhcp)
if ((GEN_RCVBUF > 0)); then
  PERFDHCP=(sh -c "python3 '$here/lib/rcvbuf.py' \$\$ $GEN_RCVBUF >/dev/null & exec perfdhcp \"\$@\"" perfdhcp)
fi

# --- points -----------------------------------------------------------------------------------------------------
CSV=$OUT/results.csv
echo "repeat,server,hosts,path,offered,achieved,drop_pct,sent,completed,delay_median_ms,delay_max_ms,server_cpu_ms,cpu_ms_per_1000,gen_cpu_pct,rss_kib,hwm_kib,load1,srv_rcvbuf_drops,gen_rcvbuf_drops" >"$CSV"
load1() { cut -d' ' -f1 /proc/loadavg; }
# UDP datagrams the kernel dropped in namespace NS because a socket's receive buffer was full (Udp RcvbufErrors):
# tells whether a point's drops were at the server's socket or at perfdhcp's.
rcvbuf_errors() { ip netns exec "$1" awk '/^Udp:/{if(!h){for(i=1;i<=NF;i++)c[$i]=i;h=1}else print $c["RcvbufErrors"]}' /proc/net/snmp; }
rcvbuf_mark() { srv_mark=$(rcvbuf_errors "$NS_SRV"); gen_mark=$(rcvbuf_errors "$NS_GEN"); }
rcvbuf_delta() { echo "$(($(rcvbuf_errors "$NS_SRV") - srv_mark)),$(($(rcvbuf_errors "$NS_GEN") - gen_mark))"; }
relay_point() { # REPEAT SERVER HOSTS RATE
  local rate_args=() clients=${CLIENTS_CAP:-$3}
  [[ $4 != 0 ]] && rate_args=(-r "$4")
  local row
  rcvbuf_mark
  row=$(POINT_LOG=$OUT/points.log POINT_SECONDS=$SECONDS_PER_POINT python3 "$here/lib/point.py" "$server_pid" perfdhcp -- \
    ip netns exec "$NS_GEN" timeout $((SECONDS_PER_POINT + 20)) "${PERFDHCP[@]}" -4 -l "$IF_GEN" "${rate_args[@]}" -p "$SECONDS_PER_POINT" \
      -R "$clients" -b mac=fa:16:3e:00:00:00 -d 1 "$SERVER_IP")
  echo "$1,$2,$3,$([[ $SCENARIO == pool ]] && echo pool || echo relay),$4,$row,$(load1),$(rcvbuf_delta)" | tee -a "$CSV"
}
direct_point() { # REPEAT SERVER HOSTS RATE
  local row
  rcvbuf_mark
  row=$(POINT_LOG=$OUT/points.log python3 "$here/lib/point.py" "$server_pid" loadgen -- \
    ip netns exec "$NS_GEN" timeout $((SECONDS_PER_POINT + 20)) "$LOADGEN" dora --interface "$IF_GEN" --rate "$4" \
      --duration "$SECONDS_PER_POINT" --clients "$3")
  echo "$1,$2,$3,direct,$4,$row,$(load1),$(rcvbuf_delta)" | tee -a "$CSV"
}
relay_lg_point() { # REPEAT SERVER HOSTS RATE: qdhcp-loadgen as a relay agent (giaddr = its address, to port 67)
  local row
  rcvbuf_mark
  row=$(POINT_LOG=$OUT/points.log python3 "$here/lib/point.py" "$server_pid" loadgen -- \
    ip netns exec "$NS_GEN" timeout $((SECONDS_PER_POINT + 20)) "$LOADGEN" dora --interface "$IF_GEN" --rate "$4" \
      --duration "$SECONDS_PER_POINT" --clients "$3" --relay "$GEN_IP" --server "$SERVER_IP")
  echo "$1,$2,$3,relay-lg,$4,$row,$(load1),$(rcvbuf_delta)" | tee -a "$CSV"
}
drop_of_last() { tail -n 1 "$CSV" | cut -d, -f7; }
sweep() { # POINT_FUNCTION REPEAT SERVER HOSTS RATES...: one point per rate, in order
  local point=$1 r=$2 s=$3 n=$4 saturated= rate
  shift 4
  for rate in "$@"; do
    # Past a rate that already loses over 20 %, a higher fixed rate tells nothing new (unlimited still runs).
    if [[ -n $saturated && $rate != 0 ]]; then continue; fi
    "$point" "$r" "$s" "$n" "$rate"
    awk -v d="$(drop_of_last)" 'BEGIN{exit !(d > 20)}' && saturated=1
  done
  return 0
}

# qdhcp writes its counters and where its memory is (RSS anonymous/file, managed heap) to its log on SIGUSR1.
statistics() { [[ $1 == qdhcp* ]] && kill -USR1 "$server_pid" 2>/dev/null && sleep 0.5; return 0; }

EVENTS=$OUT/events.csv
echo "repeat,server,hosts,event,ms,drop_pct_under_load,load1,srv_rcvbuf_drops,gen_rcvbuf_drops" >"$EVENTS"
reload_under_load() { # REPEAT SERVER HOSTS: SIGHUP with a changed hosts file while perfdhcp offers 10,000 DORA/s
  local d=$OUT/servers/$2-$3-$SCENARIO rate=${RELOAD_RATE:-10000} secs=$((SECONDS_PER_POINT < 6 ? 6 : SECONDS_PER_POINT))
  python3 "$here/lib/genconf.py" "$d" "$3" "$IF_SRV" "$SERVER_IP" "$PLEN" "$FIRST_HOST" --tweak \
    --persist "$([[ $2 == kea-persist ]] && echo true || echo false)"
  local perf_out=$OUT/servers/reload-$1-$2-$3.txt
  rcvbuf_mark
  ip netns exec "$NS_GEN" timeout $((secs + 20)) "${PERFDHCP[@]}" -4 -l "$IF_GEN" -r "$rate" -p "$secs" -R "$3" \
    -b mac=fa:16:3e:00:00:00 -d 1 "$SERVER_IP" >"$perf_out" 2>&1 &
  local perf=$!
  sleep 2
  local probe
  probe=$(ip netns exec "$NS_GEN" "$LOADGEN" probe --interface "$IF_GEN" --wait 30 --signal "$server_pid" | sed -n 's/^first_offer_ms=//p')
  wait "$perf" || true
  local sent recv
  sent=$(awk '/Statistics for: DISCOVER-OFFER/{f=1} f&&/sent packets:/{print $3; exit}' "$perf_out")
  recv=$(awk '/Statistics for: REQUEST-ACK/{f=1} f&&/received packets:/{print $3; exit}' "$perf_out")
  local drop
  drop=$(python3 -c "s,r=float('${sent:-0}' or 0),float('${recv:-0}' or 0); print(f'{100*(s-r)/s:.3f}' if s else 'nan')")
  echo "$1,$2,$3,reload_answer_gap,${probe:-none},$drop,$(load1),$(rcvbuf_delta)" | tee -a "$EVENTS"
  if [[ $2 == qdhcp ]]; then  # qdhcp keeps answering while it reloads: its own log says when the reload ended
    local logged=
    for _ in $(seq 300); do
      logged=$( (grep -o 'reloaded [0-9]* hosts, [0-9]* options in [0-9.]* ms' "$d/server.log" 2>/dev/null || true) | tail -1 | awk '{print $(NF-1)}')
      [[ -n $logged ]] && break
      sleep 0.1
    done
    echo "$1,$2,$3,reload_logged,${logged:-none},,$(load1)" | tee -a "$EVENTS"
  fi
  return 0
}

{
  echo "date: $(date -Is)"
  echo "kernel: $(uname -r)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //') x $(nproc)"
  echo "memory: $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "dotnet: $(dotnet --version)"
  echo "qdhcp: $(git -C "$repo" rev-parse --short HEAD)$(git -C "$repo" diff --quiet HEAD -- src || echo '+local changes')"
  echo "dnsmasq: $(dnsmasq -v | head -1)"
  echo "kea-dhcp4: $(kea-dhcp4 -v)"
  echo "perfdhcp: $(perfdhcp -v 2>&1 | head -1)"
  echo "load at start: $(cat /proc/loadavg)"
  echo "seconds per point: $SECONDS_PER_POINT, repeats: $REPEAT"
} | tee "$OUT/machine.txt"

# --- the matrix: servers alternate within each repeat -------------------------------------------------------------
biggest=$(tr ' ' '\n' <<<"$HOSTS" | sort -n | tail -1)
for r in $(seq "$REPEAT"); do
  for n in $HOSTS; do
    for s in $SERVERS; do
      echo "==> repeat $r: $s, $n hosts (load $(load1))"
      start_server "$s" "$n"
      echo "$r,$s,$n,start,${start_ms:-none},,$(load1)" | tee -a "$EVENTS"
      if ((WARMUP_SECONDS > 0)); then
        ip netns exec "$NS_GEN" timeout $((WARMUP_SECONDS + 10)) "${PERFDHCP[@]}" -4 -l "$IF_GEN" -r 2000 -p "$WARMUP_SECONDS" \
          -R "$n" -b mac=fa:16:3e:00:00:00 -d 1 "$SERVER_IP" >/dev/null 2>&1 || true
      fi
      # shellcheck disable=SC2086 # the rate lists are word lists
      sweep relay_point "$r" "$s" "$n" $RATES
      if [[ $n == "$biggest" ]]; then
        # shellcheck disable=SC2086
        sweep direct_point "$r" "$s" "$n" $DIRECT_RATES
        # shellcheck disable=SC2086
        sweep relay_lg_point "$r" "$s" "$n" $LG_RELAY_RATES
        ((RELOAD)) && reload_under_load "$r" "$s" "$n"
      fi
      statistics "$s"
      stop_server
    done
  done
  # The dynamic-pool scenario (issue 7): no reservations, every client takes an address from the pool; with the
  # lease file journaled (qdhcp) or not (qdhcp-nojournal), Kea memfile persist on/off, dnsmasq with its lease file.
  SCENARIO=pool
  for n in $POOL_CLIENTS; do
    for s in $POOL_SERVERS; do
      echo "==> repeat $r: $s, pool with $n clients (load $(load1))"
      start_server "$s" "$n"
      # shellcheck disable=SC2086
      sweep relay_point "$r" "$s" "$n" $POOL_RATES
      statistics "$s"
      stop_server
    done
  done
  SCENARIO=static
  SERVERS=$(awk '{for(i=NF;i>0;i--) printf "%s%s", $i, (i>1?" ":"\n")}' <<<"$SERVERS")  # alternate the order
  POOL_SERVERS=$(awk '{for(i=NF;i>0;i--) printf "%s%s", $i, (i>1?" ":"\n")}' <<<"$POOL_SERVERS")
done
echo "load at end: $(cat /proc/loadavg)" | tee -a "$OUT/machine.txt"

python3 "$here/lib/report.py" "$OUT" >"$OUT/results.md"
cat "$OUT/results.md"
echo "==> results in $OUT (results.md, results.csv, events.csv, points.log, servers/*/server.log)"
