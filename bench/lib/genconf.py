#!/usr/bin/env python3
"""Writes one network's configuration for every server of bench/run.sh, for N hosts.

Neutron's files (host, opts, addn_hosts, empty leases) for qdhcp and dnsmasq, and the same network as a
kea-dhcp4 JSON configuration (reservations in the subnet, memfile). Host i has MAC base + i (perfdhcp's -b
sequence: it adds a random number below -R to the base MAC) and address first + i.

usage: genconf.py DIR HOSTS SERVER_IF SERVER_IP PREFIX_LEN FIRST_HOST_IP [--persist true|false] [--tweak] [--pool FIRST LAST]
  --tweak: write the same hosts but the last one on another address (what a SIGHUP reload picks up)
  --pool: the dynamic-pool scenario: no reservations (empty hosts files) and, for Kea, a pool FIRST - LAST
"""
import ipaddress, json, os, sys

d, n, iface, server_ip, plen, first = sys.argv[1:7]
n, plen = int(n), int(plen)
persist = "--persist" in sys.argv and sys.argv[sys.argv.index("--persist") + 1] == "true"
tweak = "--tweak" in sys.argv
pool = sys.argv[sys.argv.index("--pool") + 1:sys.argv.index("--pool") + 3] if "--pool" in sys.argv else None
if pool:
    n = 0
first = int(ipaddress.IPv4Address(first))
base = 0xFA163E000000
net = ipaddress.IPv4Network(f"{server_ip}/{plen}", strict=False)
os.makedirs(d, exist_ok=True)

def mac(i):
    v = base + i
    return ":".join(f"{(v >> s) & 0xFF:02x}" for s in range(40, -1, -8))

def ip(i):
    if tweak and i == n - 1:
        i = n  # moved by one: the reload must pick it up
    return str(ipaddress.IPv4Address(first + i))

def write(name, text):
    tmp = os.path.join(d, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(d, name))  # replace by rename, as Neutron's agent does

hosts = [(mac(i), ip(i), "host-" + ip(i).replace(".", "-")) for i in range(n)]
write("host", "".join(f"{m},{h}.openstacklocal,{a}\n" for m, a, h in hosts))
write("addn_hosts", "".join(f"{a}\t{h}.openstacklocal {h}\n" for m, a, h in hosts))
router = str(net.network_address + 254)
dns = str(net.network_address + 53)
write("opts", f"tag:subnet-bench,option:dns-server,{dns}\ntag:subnet-bench,option:router,{router}")
if not os.path.exists(os.path.join(d, "leases")):
    open(os.path.join(d, "leases"), "w").close()

kea = {
    "Dhcp4": {
        "interfaces-config": {"interfaces": [iface], "dhcp-socket-type": "raw"},
        "lease-database": {"type": "memfile", "persist": persist, "name": os.path.join(d, "kea-leases4.csv"), "lfc-interval": 3600},
        "valid-lifetime": 86400, "renew-timer": 43200, "rebind-timer": 75600,
        "host-reservation-identifiers": ["hw-address"],
        "option-data": [
            {"name": "domain-name", "data": "openstacklocal"},
            {"name": "interface-mtu", "data": "1500", "always-send": True},
        ],
        "subnet4": [{
            "id": 1, "subnet": str(net),
            "reservations-in-subnet": True, "reservations-out-of-pool": True, "reservations-global": False,
            "option-data": [{"name": "routers", "data": router}, {"name": "domain-name-servers", "data": dns}],
            "reservations": [{"hw-address": m, "ip-address": a, "hostname": h} for m, a, h in hosts],
            "pools": [{"pool": f"{pool[0]} - {pool[1]}"}] if pool else [],
        }],
        # WARN: at INFO Kea logs every lease (DHCP4_LEASE_ALLOC), a per-packet cost qdhcp does not pay by default.
        "loggers": [{"name": "kea-dhcp4", "output_options": [{"output": os.path.join(d, "kea.log")}], "severity": "WARN"}],
    }
}
write("kea-dhcp4.json", json.dumps(kea))
