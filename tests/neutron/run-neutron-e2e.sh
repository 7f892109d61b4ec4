#!/usr/bin/env bash
# Issue 3's integration test: the unmodified Neutron DHCP agent (Debian 12, Zed) runs `qdhcp serve` where it
# would run dnsmasq, and a VM gets its port's address. Run as root from anywhere:
#
#   tests/neutron/run-neutron-e2e.sh                            # qdhcp (build it first: dotnet build -c Release src/Qdhcp.Cli)
#   QDHCP_NEUTRON_SERVER=dnsmasq tests/neutron/run-neutron-e2e.sh   # the same test against the real dnsmasq
#
# It installs the stack with apt-get when missing, starts RabbitMQ, PostgreSQL, neutron-server (ML2, linuxbridge,
# noauth), neutron-linuxbridge-agent and neutron-dhcp-agent by hand in a network namespace of its own (see lib.sh),
# then, through the openstack CLI:
#   1. a flat network, a subnet (gateway, DNS server) and a port with a MAC: a VM namespace with that MAC on the
#      provider bridge gets exactly the port's address, router, DNS server, MTU, domain and host name;
#   2. a second port made while the server runs: the agent SIGHUPs the same server (same pid), a second VM gets it;
#   3. the first port deleted: the agent runs dhcp_release, and the lease leaves the lease file;
#   4. the network deleted: the server process is gone and its namespace removed.
# Each check prints "CHECK PASS|FAIL <name>: <detail>"; the last line is "neutron-e2e: N passed, M failed" and the
# exit status is 0 only if every check passed. Everything it started or made is removed at the end, also on failure
# or Ctrl-C (QDHCP_NEUTRON_KEEP=1 keeps the state directory with the logs). On failure the logs' tails are printed.
set -Eeuo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SERVER=${QDHCP_NEUTRON_SERVER:-qdhcp}
case $SERVER in qdhcp | dnsmasq) ;; *) echo "QDHCP_NEUTRON_SERVER must be qdhcp or dnsmasq" >&2; exit 2 ;; esac
PASSED=0 FAILED=0
check() { # name ok(0/1) detail
  if [[ $2 == 0 ]]; then PASSED=$((PASSED + 1)); echo "CHECK PASS $1: $3"
  else FAILED=$((FAILED + 1)); LAB_FAILED=1; echo "CHECK FAIL $1: $3"; fi
}
field() { sed -n "s/^$1=//p" "$2"; }
lease_has() { grep -qi " $2 " "$LAB_DIR/state/dhcp/$1/leases" 2>/dev/null; }

LAB_INSTALL_LOG=/tmp/qdhcp-neutron-apt.log
t0=$SECONDS
lab_install
log "packages ready ($((SECONDS - t0)) s)"
# The agent's dnsmasq_base_log_dir: the server logs every DHCP exchange (--log-dhcp --log-facility=<file>), for the
# failure report. QDHCP_NEUTRON_SERVER_LOG=0 keeps the agent's default command line.
LAB_SERVER_LOG=${QDHCP_NEUTRON_SERVER_LOG:-1}
t0=$SECONDS
lab_up
log "stack up ($((SECONDS - t0)) s); DHCP server: $SERVER"
echo "neutron-e2e: server=$SERVER stack_up_seconds=$((SECONDS - t0)) lab=$LAB_NS state=$LAB_DIR"

# --- 1. network, subnet, port; the VM gets exactly the port's address and options --------------------------------
MAC1=fa:16:3e:77:00:42 IP1=10.77.0.42
MAC2=fa:16:3e:77:00:46 IP2=10.77.0.46
t_net=$SECONDS
NET=$(os network create --provider-network-type flat --provider-physical-network physnet1 qdhcp-e2e -f value -c id) \
  || die "openstack network create failed"
LAB_NETS+=("$NET")
SUB=$(os subnet create --network "$NET" --subnet-range 10.77.0.0/24 --gateway 10.77.0.1 --dns-nameserver 10.77.0.53 \
  --allocation-pool start=10.77.0.10,end=10.77.0.200 qdhcp-e2e-v4 -f value -c id) || die "openstack subnet create failed"
PORT1=$(os port create --network "$NET" --mac-address "$MAC1" --fixed-ip "subnet=$SUB,ip-address=$IP1" qdhcp-e2e-p1 -f value -c id) \
  || die "openstack port create failed"
log "network $NET, subnet $SUB, port $PORT1"

wait_for 120 "the DHCP server for $NET" server_pid "$NET" || die "the agent did not start a DHCP server for $NET"
PID=$(server_pid "$NET")
CMDLINE=$(tr '\0' ' ' <"/proc/$PID/cmdline")
echo "neutron-e2e: server pid $PID: $CMDLINE"
case $SERVER in
  qdhcp) [[ $CMDLINE == *"$LAB_QDHCP serve "* ]] && ok=0 || ok=1 ;;
  dnsmasq) [[ $CMDLINE == /usr/sbin/dnsmasq* ]] && ok=0 || ok=1 ;;
esac
check server-is-$SERVER $ok "pid $PID runs: ${CMDLINE:0:120}..."
check server-in-namespace "$([[ " $(ip netns pids "qdhcp-$NET" | tr '\n' ' ') " == *" $PID "* ]] && echo 0 || echo 1)" \
  "pid $PID in qdhcp-$NET"

vm_make 1 "$MAC1"; VM1=$VM_NS
t_vm=$SECONDS
if vm_dhcp "$VM1" "$LAB_DIR/vm1.dhcp" 60; then
  got=$(tr '\n' ' ' <"$LAB_DIR/vm1.dhcp")
  echo "neutron-e2e: VM 1 got (after $((SECONDS - t_vm)) s): $got"
  want="ip=$IP1 mask=24 router=10.77.0.1 dns=10.77.0.53 domain=openstacklocal hostname=host-10-77-0-42 mtu=1500"
  for kv in $want; do
    k=${kv%%=*} v=${kv#*=}
    have=$(field "$k" "$LAB_DIR/vm1.dhcp" | xargs)
    check "vm1-$k" "$([[ $have == "$v" ]] && echo 0 || echo 1)" "want $v, got '${have}'"
  done
  have=$(field lease "$LAB_DIR/vm1.dhcp")
  check vm1-lease-time "$([[ $have == 86400 ]] && echo 0 || echo 1)" "want 86400 (the agent's dhcp_lease_duration), got '$have'"
  have=$(field serverid "$LAB_DIR/vm1.dhcp")
  dhcp_ip=$(ip -n "qdhcp-$NET" -4 -o addr show | awk '$2 ~ /^ns-/ {split($4,a,"/"); print a[1]}' | head -n 1)
  check vm1-server-id "$([[ -n $have && $have == "$dhcp_ip" ]] && echo 0 || echo 1)" "the DHCP port's address $dhcp_ip, got '$have'"
  check vm1-pings-dhcp-port "$(ip netns exec "$VM1" ping -c 1 -W 2 "$dhcp_ip" >/dev/null 2>&1 && echo 0 || echo 1)" "ping $dhcp_ip from the VM"
  wait_for 10 "the lease of $MAC1 in the lease file" lease_has "$NET" "$MAC1" || true
  check vm1-lease-recorded "$(lease_has "$NET" "$MAC1" && echo 0 || echo 1)" \
    "$(grep -i " $MAC1 " "$LAB_DIR/state/dhcp/$NET/leases" 2>/dev/null || echo "no line for $MAC1 in the lease file")"
else
  check vm1-address 1 "udhcpc in the VM got no lease within 60 s"
fi

# --- 2. a second port while the server runs: SIGHUP, same process ---------------------------------------------------
PORT2=$(os port create --network "$NET" --mac-address "$MAC2" --fixed-ip "subnet=$SUB,ip-address=$IP2" qdhcp-e2e-p2 -f value -c id) \
  || die "openstack port create (second) failed"
wait_for 60 "the second port in the hosts file" grep -qi "$MAC2" "$LAB_DIR/state/dhcp/$NET/host" || true
vm_make 2 "$MAC2"; VM2=$VM_NS
if vm_dhcp "$VM2" "$LAB_DIR/vm2.dhcp" 60; then
  have=$(field ip "$LAB_DIR/vm2.dhcp"); h2=$(field hostname "$LAB_DIR/vm2.dhcp")
  check vm2-address "$([[ $have == "$IP2" && $h2 == host-10-77-0-46 ]] && echo 0 || echo 1)" "want $IP2 host-10-77-0-46, got '$have' '$h2'"
else
  check vm2-address 1 "udhcpc in the second VM got no lease within 60 s"
fi
PID2=$(server_pid "$NET" || true)
check reloaded-not-restarted "$([[ $PID2 == "$PID" ]] && echo 0 || echo 1)" "server pid before $PID, after ${PID2:-none}"
hups=$(grep -c "Reloading allocations for network: $NET\|kill -HUP $PID\|HUP.*$PID" "$LAB_DIR/log/dhcp-agent.log" || true)
echo "neutron-e2e: agent log lines about reloading $NET: $hups"

# --- 3. delete the first port: dhcp_release, the lease leaves the lease file ----------------------------------------
os port delete "$PORT1" || die "openstack port delete failed"
if wait_for 60 "the lease of $MAC1 to leave the lease file" bash -c "! grep -qi ' $MAC1 ' '$LAB_DIR/state/dhcp/$NET/leases'"; then
  check port-delete-releases-lease 0 "the line for $MAC1 left $LAB_DIR/state/dhcp/$NET/leases"
else
  check port-delete-releases-lease 1 "still there after 60 s: $(grep -i " $MAC1 " "$LAB_DIR/state/dhcp/$NET/leases")"
fi
srvlog=$(ls "$LAB_DIR"/log/dhcp-server/"$NET"/dhcp_dns_log 2>/dev/null || true)
[[ -n $srvlog ]] && echo "neutron-e2e: the server's log on the release: $(grep -i release "$srvlog" | head -n 4 | tr '\n' '|')"
rel=$(grep -E "dhcp_release" "$LAB_DIR/log/dhcp-agent.log" | grep -c "$MAC1" || true)
check agent-ran-dhcp-release "$((rel > 0 ? 0 : 1))" "$rel agent log lines run dhcp_release for $MAC1"
check port2-lease-kept "$(lease_has "$NET" "$MAC2" && echo 0 || echo 1)" "the other port's lease stays"
check server-survives-release "$([[ $(server_pid "$NET" || true) == "$PID" ]] && echo 0 || echo 1)" "pid $PID still serving"

# --- 4. delete the network: the server is gone, the namespace removed ----------------------------------------------
os port delete "$PORT2" || die "openstack port delete (second) failed"
os network delete "$NET" || die "openstack network delete failed"
wait_for 60 "server pid $PID to end" bash -c "[[ ! -d /proc/$PID ]]" && ok=0 || ok=1
check network-delete-stops-server $ok "pid $PID $([[ $ok == 0 ]] && echo ended || echo 'still running')"
wait_for 60 "namespace qdhcp-$NET to go" bash -c "[[ ! -e /run/netns/qdhcp-$NET ]]" && ok=0 || ok=1
check network-delete-removes-namespace $ok "qdhcp-$NET $([[ $ok == 0 ]] && echo removed || echo 'still there')"

errors=$(grep -cE '^\S+ \S+ [0-9]+ (ERROR|CRITICAL) ' "$LAB_DIR/log/dhcp-agent.log" || true)
echo "neutron-e2e: dhcp-agent log ERROR lines: $errors"
grep -E '^\S+ \S+ [0-9]+ (ERROR|CRITICAL) ' "$LAB_DIR/log/dhcp-agent.log" | head -n 10 || true
echo "neutron-e2e: run time $((SECONDS - LAB_STARTED)) s (server $SERVER)"
echo "neutron-e2e: $PASSED passed, $FAILED failed"
((FAILED == 0))
