#!/usr/bin/env bash
# The main job: build qdhcp and run `qdhcp demo`, the seed's use case (a VM namespace gets 10.10.10.2 from
# `qdhcp serve` in a qdhcp-<uuid> namespace). Needs root; installs the tools the demo drives when missing.
set -euo pipefail
cd "$(dirname "$0")"
if [[ $(id -u) -ne 0 ]]; then
  echo "demo.sh: run as root (sudo ./demo.sh): the demo creates network namespaces and serves DHCP on port 67." >&2
  exit 2
fi
missing=()
for p in isc-dhcp-client iproute2 tcpdump iputils-ping; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "demo.sh: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
dotnet build -c Release src/Qdhcp.Cli -v quiet -nologo
exec src/Qdhcp.Cli/bin/Release/net10.0/qdhcp demo "$@"
