#!/usr/bin/env bash
# The one test command: installs what the integration tests need (as root), builds Release, runs every test
# project with a TRX logger, and ends with one line "N passed, M failed, K skipped".
# Extra arguments go to `dotnet test`, e.g. ./test.sh --filter 'Category!=Namespace'.
# QDHCP_TEST_SERVER=dnsmasq runs the integration tests against dnsmasq instead of qdhcp.
set -uo pipefail
cd "$(dirname "$0")"

# --- (a) packages for the namespace tests: real clients, capture, iproute2, the reference server -----------------
packages=(isc-dhcp-client udhcpc dhcpcd-base tcpdump iproute2 dnsmasq-base dnsmasq-utils dnsutils iputils-ping util-linux python3-openstackclient)
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
fi
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      || echo "test.sh: could not install ${missing[*]}; the tests that need them will skip or fail"
  else
    echo "test.sh: missing packages (not root, not installing): ${missing[*]}; namespace tests that need them will skip"
  fi
fi

results="TestResults/run-$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$results"

# --- (b) build ------------------------------------------------------------------------------------------------------
if ! dotnet build -c Release Qdhcp.slnx; then
  echo "test.sh: BUILD FAILED"
  echo "0 passed, 0 failed, 0 skipped"
  exit 1
fi

# --- (c) test -------------------------------------------------------------------------------------------------------
dotnet test Qdhcp.slnx -c Release --no-build --logger "trx;LogFilePrefix=qdhcp" --results-directory "$results" "$@"
test_rc=$?

# --- (d) sum the TRX counters (xunit v3 skips are NotExecuted: in total, not in executed) --------------------------------------------------------
attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"; }
passed=0 failed=0 skipped=0 files=0
while IFS= read -r -d '' trx; do
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  [[ -n $counters ]] || continue
  files=$((files + 1))
  passed=$((passed + $(attr passed "$counters")))
  for a in failed error timeout aborted; do
    v=$(attr "$a" "$counters"); failed=$((failed + ${v:-0}))
  done
  # Skipped tests are counted in total but not in executed (their results say NotExecuted).
  skipped=$((skipped + $(attr total "$counters") - $(attr executed "$counters")))
done < <(find "$results" -name '*.trx' -print0)

status=0
if ((failed > 0)); then status=1; fi
if ((test_rc != 0)); then
  echo "test.sh: dotnet test exited with $test_rc (TRX files: $files, in $results)"
  status=1
fi
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit $status
