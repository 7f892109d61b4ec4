# shellcheck shell=bash
# A real, unmodified OpenStack Neutron (Debian 12's packages: neutron-server 21 "Zed", ML2 + linuxbridge,
# neutron-linuxbridge-agent, neutron-dhcp-agent with the Dnsmasq driver, RabbitMQ, PostgreSQL), started by hand
# with no systemd, for tests/neutron/run-neutron-e2e.sh and bench/neutron-footprint.sh. Source it; run as root.
#
# Isolation: everything runs inside a network namespace of its own, "qdnlab-<rand>" (its own loopback, on which
# RabbitMQ, PostgreSQL -- unix socket only -- and the Neutron API listen; its own bridge, which
# is the provider network; the benchmark's many networks are "local" networks, a bridge each: this machine's kernel
# has no VLAN or dummy links). The agents also get a mount namespace of their own with that namespace's /sys (the
# linuxbridge agent reads bridges there) while /run/netns stays shared, so the qdhcp-<network-id> namespaces the
# DHCP agent makes are ordinary named namespaces. Nothing touches the host's interfaces, routes or firewall.
# All state (configuration, database cluster, broker, Neutron's state_path, logs) lives in /tmp/qdhcp-neutron-<rand>.
#
# Cleanup (lab_down, installed as the EXIT trap by lab_up): stop every process in the lab's namespaces (the
# namespace's pid list: only what this run started can be in a namespace this run made), remove the DHCP
# namespaces of the networks this run made, the VM namespaces, the lab namespace (and with it every link in it),
# and the state directory (kept with QDHCP_NEUTRON_KEEP=1).
#
# Which DHCP server the agent starts: the agent runs `ip netns exec qdhcp-<net> dnsmasq ...`, which finds
# `dnsmasq` on the agent's PATH. $LAB_DIR/bin/dnsmasq comes first there; it runs the server named in
# $LAB_DIR/server ("qdhcp": `qdhcp serve "$@"`; "qdhcp-aot": the NativeAOT build's; "dnsmasq": /usr/sbin/dnsmasq),
# so a run can switch servers.

LAB_REPO=${LAB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_QDHCP=${QDHCP_BIN:-$LAB_REPO/src/Qdhcp.Cli/bin/Release/net10.0/qdhcp}
LAB_QDHCP_AOT=${QDHCP_AOT_BIN:-$LAB_REPO/artifacts/aot/qdhcp}  # NativeAOT build (docs/footprint.md), for "qdhcp-aot"
LAB_PY=/usr/bin/python3
LAB_PACKAGES=(neutron-server neutron-dhcp-agent neutron-linuxbridge-agent python3-openstackclient
  python3-psycopg2 rabbitmq-server postgresql dnsmasq-base dnsmasq-utils udhcpc iproute2 util-linux curl sudo)
LAB_PIDS=()        # processes this run started (recorded as they start)
LAB_NETS=()        # Neutron networks this run created (their qdhcp-<id> namespaces are ours)
LAB_VMS=()         # VM namespaces
LAB_STARTED=$SECONDS
LAB_FAILED=0

log() { printf '%s [%4ds] %s\n' "$(date +%H:%M:%S)" $((SECONDS - LAB_STARTED)) "$*" >&2; }
die() { log "FAILED: $*"; LAB_FAILED=1; exit 1; }

# --- packages ------------------------------------------------------------------------------------------------------
lab_install() {
  local missing=() p
  for p in "${LAB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]} (apt-get; services are not started: they are run by hand below)"
  export DEBIAN_FRONTEND=noninteractive
  # The packages' maintainer scripts would start the services through invoke-rc.d; a policy-rc.d that says 101
  # ("action forbidden") stops that. Only put in place if the machine has none, and removed after.
  local policy_made=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_made=1
  fi
  local rc=0
  apt-get update -qq && apt-get install -y -q --no-install-recommends "${missing[@]}" >"${LAB_INSTALL_LOG:-/dev/null}" 2>&1 || rc=$?
  ((policy_made)) && rm -f /usr/sbin/policy-rc.d
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (rc $rc)"
}

# --- helpers ---------------------------------------------------------------------------------------------------------
# Run a command in the lab: its network namespace, and a mount namespace of its own in which /sys is that network
# namespace's sysfs (as `ip netns exec` does) but /run/netns is still shared with the host.
in_lab() {
  nsenter --net="/run/netns/$LAB_NS" -- unshare --mount --propagation unchanged -- \
    /bin/sh -c 'umount -l /sys && mount -t sysfs sysfs /sys && exec "$@"' in-lab "$@"
}
# Start a long-running process in the lab, in the background, recording its pid.
lab_spawn() { # name cmd...
  local name=$1; shift
  in_lab env -i PATH="$LAB_PATH" HOME="$LAB_DIR/home" LANG=C.UTF-8 "$@" >>"$LAB_DIR/log/$name.out" 2>&1 &
  LAB_PIDS+=($!)
  log "started $name (pid $!)"
}
wait_for() { # seconds description command...
  local limit=$1 what=$2; shift 2
  local end=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < end)) || { log "timed out after ${limit}s waiting for $what"; return 1; }
    sleep 0.5
  done
}
free_port() { in_labnet "$LAB_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A command in the lab's network namespace only (clients: no /sys needed).
in_labnet() { nsenter --net="/run/netns/$LAB_NS" -- "$@"; }

# The openstack CLI against the noauth endpoint (admin, no Keystone).
os() { in_labnet env -i PATH="$LAB_PATH" HOME="$LAB_DIR/home" LANG=C.UTF-8 \
  openstack --os-auth-type none --os-endpoint "http://127.0.0.1:$LAB_API_PORT" "$@"; }
# The Neutron REST API (for bulk work: one CLI call costs ~1.5 s of Python start-up).
api() { # method path [json]
  in_labnet curl -sS -f -X "$1" -H 'Content-Type: application/json' ${3:+-d "$3"} "http://127.0.0.1:$LAB_API_PORT/v2.0$2"
}

# --- up --------------------------------------------------------------------------------------------------------------
lab_up() {
  [[ $(id -u) -eq 0 ]] || die "must run as root"
  [[ -x $LAB_QDHCP ]] || die "no qdhcp binary at $LAB_QDHCP (cd $LAB_REPO && dotnet build -c Release src/Qdhcp.Cli)"
  local rand; rand=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
  LAB_DIR=$(mktemp -d "/tmp/qdhcp-neutron-$rand-XXXX")
  LAB_NS="qdnlab-$rand"
  LAB_BRIDGE="brqd$rand"     # physnet1 (flat): the bridge the test's VMs plug into
  LAB_HOST="qdhcp-e2e-$rand" # the agents' host name in Neutron
  LAB_PATH="$LAB_DIR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  trap lab_down EXIT
  trap 'LAB_FAILED=1; exit 130' INT TERM
  chmod 755 "$LAB_DIR"
  mkdir -p "$LAB_DIR"/{bin,log,home,lock,state,rabbit,etc}
  log "lab: state $LAB_DIR, namespace $LAB_NS"

  # The DHCP server the agent will find as `dnsmasq`.
  echo "${QDHCP_NEUTRON_SERVER:-qdhcp}" >"$LAB_DIR/server"
  cat >"$LAB_DIR/bin/dnsmasq" <<EOF
#!/bin/sh
# Neutron's DHCP agent runs \`dnsmasq <options>\`: run the server named in $LAB_DIR/server instead.
case "\$(cat $LAB_DIR/server)" in
  dnsmasq) exec /usr/sbin/dnsmasq "\$@" ;;
  qdhcp-aot) exec $LAB_QDHCP_AOT serve "\$@" ;;
  *) exec $LAB_QDHCP serve "\$@" ;;
esac
EOF
  chmod 755 "$LAB_DIR/bin/dnsmasq"

  ip netns add "$LAB_NS"
  ip -n "$LAB_NS" link set lo up
  ip -n "$LAB_NS" link add "$LAB_BRIDGE" type bridge
  ip -n "$LAB_NS" link set "$LAB_BRIDGE" up

  # PostgreSQL: a cluster of our own, unix socket only (no TCP at all).
  local pgbin; pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  mkdir -p "$LAB_DIR/pg" "$LAB_DIR/pgsock"; chown postgres: "$LAB_DIR/pg" "$LAB_DIR/pgsock"
  runuser -u postgres -- "$pgbin/initdb" -D "$LAB_DIR/pg/data" -U postgres --auth=trust -E UTF8 >"$LAB_DIR/log/initdb.log" 2>&1 \
    || die "initdb failed: $(tail -n 5 "$LAB_DIR/log/initdb.log")"
  LAB_PGBIN=$pgbin
  in_lab runuser -u postgres -- "$pgbin/postgres" -D "$LAB_DIR/pg/data" -k "$LAB_DIR/pgsock" -c listen_addresses= \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off >"$LAB_DIR/log/postgres.log" 2>&1 &
  LAB_PIDS+=($!); log "started postgres (pid $!)"

  # RabbitMQ: a node of our own (data, cookie, logs in the state dir) on the lab's loopback.
  cat >"$LAB_DIR/rabbit/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:5672
loopback_users.guest = true
EOF
  echo '[].' >"$LAB_DIR/rabbit/enabled_plugins"
  : >"$LAB_DIR/rabbit/rabbitmq-env.conf"
  LAB_RABBIT_ENV=(RABBITMQ_NODENAME="rabbit-$rand@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672
    RABBITMQ_DIST_PORT=25672 ERL_EPMD_ADDRESS=127.0.0.1 RABBITMQ_CONF_ENV_FILE="$LAB_DIR/rabbit/rabbitmq-env.conf"
    RABBITMQ_CONFIG_FILE="$LAB_DIR/rabbit/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$LAB_DIR/rabbit/advanced.config"
    RABBITMQ_ENABLED_PLUGINS_FILE="$LAB_DIR/rabbit/enabled_plugins" RABBITMQ_MNESIA_BASE="$LAB_DIR/rabbit/mnesia"
    RABBITMQ_LOG_BASE="$LAB_DIR/rabbit/log" RABBITMQ_PID_FILE="$LAB_DIR/rabbit/pid"
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" HOME="$LAB_DIR/rabbit")
  in_lab env -i PATH="$LAB_PATH" LANG=C.UTF-8 "${LAB_RABBIT_ENV[@]}" /usr/lib/rabbitmq/bin/rabbitmq-server \
    >"$LAB_DIR/log/rabbitmq.out" 2>&1 &
  LAB_PIDS+=($!); log "started rabbitmq (pid $!)"

  LAB_API_PORT=9696
  [[ ${LAB_SERVER_LOG:-0} == 1 ]] && LAB_DNSMASQ_LOG_DIR=$LAB_DIR/log/dhcp-server
  lab_write_config

  wait_for 60 "postgres" runuser -u postgres -- "$pgbin/pg_isready" -h "$LAB_DIR/pgsock" -q || die "postgres did not start"
  runuser -u postgres -- "$pgbin/createdb" -h "$LAB_DIR/pgsock" neutron || die "createdb failed"
  local t0=$SECONDS
  in_lab neutron-db-manage --config-file "$LAB_DIR/etc/neutron.conf" --config-file "$LAB_DIR/etc/ml2_conf.ini" \
    upgrade heads >"$LAB_DIR/log/db-manage.log" 2>&1 || die "neutron-db-manage upgrade heads failed: $(tail -n 20 "$LAB_DIR/log/db-manage.log")"
  log "database migrated ($((SECONDS - t0)) s)"

  wait_for 90 "rabbitmq on 127.0.0.1:5672" in_labnet bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672' || die "rabbitmq did not start"
  lab_spawn neutron-server neutron-server --config-file "$LAB_DIR/etc/neutron.conf" --config-file "$LAB_DIR/etc/ml2_conf.ini" \
    --log-file "$LAB_DIR/log/neutron-server.log"
  wait_for 90 "the Neutron API" api GET /networks || die "neutron-server did not answer"
  # The agents only once the server serves: an agent that starts first loses its first RPC calls to a 60 s timeout.
  lab_spawn linuxbridge-agent neutron-linuxbridge-agent --config-file "$LAB_DIR/etc/neutron.conf" \
    --config-file "$LAB_DIR/etc/linuxbridge_agent.ini" --log-file "$LAB_DIR/log/linuxbridge-agent.log"
  lab_spawn dhcp-agent neutron-dhcp-agent --config-file "$LAB_DIR/etc/neutron.conf" \
    --config-file "$LAB_DIR/etc/dhcp_agent.ini" --log-file "$LAB_DIR/log/dhcp-agent.log"
  wait_for 90 "both agents alive" lab_agents_alive || die "the agents did not report"
  wait_for 90 "the DHCP agent's first sync" grep -q "Synchronizing state complete" "$LAB_DIR/log/dhcp-agent.log" \
    || die "the DHCP agent did not complete its first sync"
  log "Neutron is up: $(api GET /agents | "$LAB_PY" -c 'import json,sys; print(", ".join(a["binary"]+"@"+a["host"] for a in json.load(sys.stdin)["agents"]))')"
}

lab_agents_alive() {
  api GET /agents | "$LAB_PY" -c '
import json, sys
a = [x for x in json.load(sys.stdin)["agents"] if x["alive"]]
names = {x["binary"] for x in a}
sys.exit(0 if {"neutron-dhcp-agent", "neutron-linuxbridge-agent"} <= names else 1)'
}

lab_write_config() {
  local e=$LAB_DIR/etc
  cat >"$e/neutron.conf" <<EOF
[DEFAULT]
core_plugin = ml2
service_plugins =
auth_strategy = noauth
bind_host = 127.0.0.1
bind_port = $LAB_API_PORT
api_workers = 1
rpc_workers = 1
rpc_state_report_workers = 1
state_path = $LAB_DIR/state
host = $LAB_HOST
transport_url = rabbit://guest:guest@127.0.0.1:5672/
api_paste_config = /etc/neutron/api-paste.ini
notify_nova_on_port_status_changes = false
notify_nova_on_port_data_changes = false
dhcp_agents_per_network = 1
global_physnet_mtu = 1500
debug = ${QDHCP_NEUTRON_DEBUG:-true}
use_stderr = false

[agent]
root_helper =
root_helper_daemon =
report_interval = 5
check_child_processes_action = respawn
check_child_processes_interval = ${LAB_CHILD_CHECK:-60}

[database]
connection = postgresql+psycopg2://postgres@/neutron?host=$LAB_DIR/pgsock

[oslo_concurrency]
lock_path = $LAB_DIR/lock

[experimental]
linuxbridge = true
EOF
  cat >"$e/ml2_conf.ini" <<EOF
[ml2]
type_drivers = flat,local
tenant_network_types = local
mechanism_drivers = linuxbridge
extension_drivers = port_security

[ml2_type_flat]
flat_networks = physnet1
EOF
  cat >"$e/linuxbridge_agent.ini" <<EOF
[linux_bridge]
bridge_mappings = physnet1:$LAB_BRIDGE

[vxlan]
enable_vxlan = false

[securitygroup]
enable_security_group = false
firewall_driver = noop

[agent]
polling_interval = 1
EOF
  cat >"$e/dhcp_agent.ini" <<EOF
[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = false
num_sync_threads = 4
resync_interval = 5
${LAB_DNSMASQ_LOG_DIR:+dnsmasq_base_log_dir = $LAB_DNSMASQ_LOG_DIR}
EOF
}

# --- networks, ports, VMs ------------------------------------------------------------------------------------------
# The DHCP server's pid for a network (from the pid file the agent reads), or nothing.
server_pid() { # net
  local f=$LAB_DIR/state/dhcp/$1/pid p
  [[ -s $f ]] || return 1
  p=$(tr -d ' \n' <"$f")
  [[ -d /proc/$p ]] && tr '\0' ' ' <"/proc/$p/cmdline" | grep -q -- "$1" && echo "$p"
}

# A VM: a namespace with eth0 (the port's MAC) whose peer is plugged into the lab bridge. Sets VM_NS.
vm_make() { # name mac
  VM_NS="qdnvm-${LAB_NS#qdnlab-}-$1"
  local peer="v${LAB_NS#qdnlab-}$1"
  ip netns add "$VM_NS"; LAB_VMS+=("$VM_NS")
  ip link add "$peer" netns "$LAB_NS" type veth peer name eth0 netns "$VM_NS"
  ip -n "$VM_NS" link set eth0 address "$2"
  ip -n "$VM_NS" link set lo up
  ip -n "$VM_NS" link set eth0 up
  ip -n "$LAB_NS" link set "$peer" master "$LAB_BRIDGE"
  ip -n "$LAB_NS" link set "$peer" up
}

# DHCP in the VM with busybox udhcpc (one DISCOVER a second, up to $3 s): configures eth0 and writes what it got
# (ip, mask, router, dns, domain, hostname, mtu, lease, serverid) to $LAB_DIR/<ns>.dhcp. Returns udhcpc's status.
vm_dhcp() { # ns out-file [tries]
  local script=$LAB_DIR/bin/udhcpc-script
  if [[ ! -x $script ]]; then
    cat >"$script" <<'EOF'
#!/bin/sh
# udhcpc's script: on a lease, configure the interface and record the offer in $UDHCPC_OUT.
case "$1" in
  deconfig) ip addr flush dev "$interface" ;;
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    { for v in ip mask router dns domain hostname mtu lease serverid; do eval "echo $v=\$$v"; done; } >"$UDHCPC_OUT.tmp"
    mv "$UDHCPC_OUT.tmp" "$UDHCPC_OUT" ;;
esac
exit 0
EOF
    chmod 755 "$script"
  fi
  rm -f "$2"
  ip netns exec "$1" env UDHCPC_OUT="$2" udhcpc -f -q -n -i eth0 -t "${3:-30}" -T 1 -A 1 -O mtu -s "$script" \
    >>"$LAB_DIR/log/udhcpc.log" 2>&1
}

# --- down ------------------------------------------------------------------------------------------------------------
kill_ns_pids() { # namespace signal
  local p
  for p in $(ip netns pids "$1" 2>/dev/null); do kill "-$2" "$p" 2>/dev/null || true; done
}

lab_print_logs() {
  local f
  for f in neutron-server dhcp-agent linuxbridge-agent; do
    [[ -s $LAB_DIR/log/$f.log ]] || continue
    echo "----- tail of $f.log (errors and warnings, then the last lines) -----"
    grep -E '^\S+ \S+ [0-9]+ (ERROR|WARNING|CRITICAL) ' "$LAB_DIR/log/$f.log" | grep -v 'Using RPCClient manually' | tail -n 25
    echo "..."
    tail -n "${QDHCP_NEUTRON_TAIL:-40}" "$LAB_DIR/log/$f.log"
  done
  for f in "$LAB_DIR"/log/*.out "$LAB_DIR"/log/udhcpc.log "$LAB_DIR"/log/postgres.log; do
    [[ -s $f ]] || continue
    echo "----- tail of $(basename "$f") -----"; tail -n 15 "$f"
  done
  for f in "${LAB_DNSMASQ_LOG_DIR:-/nonexistent}"/*/dhcp_dns_log; do
    [[ -s $f ]] || continue
    echo "----- tail of the DHCP server's log $f -----"; tail -n 30 "$f"
  done
}

lab_down() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  [[ -n ${LAB_DIR:-} ]] || exit "$rc"
  if ((rc != 0 || LAB_FAILED)); then lab_print_logs >&2; fi
  log "cleaning up"
  # Neutron first (TERM, so the agents stop quietly), then everything else in our namespaces.
  local p
  for p in "${LAB_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
  [[ -n ${LAB_PGBIN:-} ]] && runuser -u postgres -- "$LAB_PGBIN/pg_ctl" -D "$LAB_DIR/pg/data" stop -m immediate >/dev/null 2>&1
  sleep 1
  local ns nets=("${LAB_NETS[@]}")
  if [[ -d $LAB_DIR/state/dhcp ]]; then
    for ns in "$LAB_DIR"/state/dhcp/*/; do [[ -d $ns ]] && nets+=("$(basename "$ns")"); done
  fi
  local dhcp_ns=()
  for ns in "${nets[@]}"; do dhcp_ns+=("qdhcp-$ns"); done
  for ns in "${dhcp_ns[@]}" "${LAB_VMS[@]}" "$LAB_NS"; do
    [[ -e /run/netns/$ns ]] || continue
    kill_ns_pids "$ns" KILL
  done
  sleep 0.5
  for p in "${LAB_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
  for ns in "${dhcp_ns[@]}" "${LAB_VMS[@]}" "$LAB_NS"; do
    [[ -e /run/netns/$ns ]] || continue
    [[ -z $(ip netns pids "$ns" 2>/dev/null) ]] || { sleep 1; kill_ns_pids "$ns" KILL; }
    ip netns del "$ns" 2>/dev/null || log "could not remove namespace $ns"
  done
  if [[ ${QDHCP_NEUTRON_KEEP:-0} == 1 ]]; then
    log "kept $LAB_DIR (QDHCP_NEUTRON_KEEP=1)"
  else
    rm -rf "$LAB_DIR"
  fi
  log "cleaned up (run time $((SECONDS - LAB_STARTED)) s)"
  exit "$rc"
}
