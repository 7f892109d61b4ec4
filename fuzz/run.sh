#!/usr/bin/env bash
# fuzz/run.sh TARGET [SECONDS]: fuzz one target (see tests/Qdhcp.Fuzz/FuzzTargets.cs) with SharpFuzz for SECONDS (default 600).
#   FUZZ_ENGINE=afl (default) uses AFL++ from Debian (afl-fuzz, persistent out-of-process SharpFuzz runner);
#   FUZZ_ENGINE=libfuzzer uses libFuzzer (clang-14 -fsanitize=fuzzer) through libfuzzer-dotnet, built from
#   SharpFuzz's libfuzzer-dotnet.cc (LIBFUZZER_DOTNET=/path/to/binary to use one already built).
#   FUZZ_OUT (default artifacts/fuzz) holds the instrumented build and TARGET/findings (crashes/, hangs/, queue/).
# Installs what is missing (apt: afl++ or clang-14; dotnet tool: SharpFuzz.CommandLine 2.3.0). Several targets can run at once.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
target="${1:?usage: fuzz/run.sh TARGET [SECONDS]; TARGET: dhcp4-reader dhcp4-engine dns-reader dns-responder hosts-file opts-file lease-file}"
seconds="${2:-600}"
engine="${FUZZ_ENGINE:-afl}"
out="${FUZZ_OUT:-$repo/artifacts/fuzz}"
corpus="$repo/tests/Qdhcp.Fuzz/Corpus/$target"
[[ -d "$corpus" ]] || { echo "no corpus for target '$target' at $corpus" >&2; exit 2; }

export PATH="$PATH:$HOME/.dotnet/tools"
apt_install() { if [[ $(id -u) -eq 0 ]]; then apt-get install -y "$@"; else sudo apt-get install -y "$@"; fi; }
if ! command -v sharpfuzz >/dev/null; then
  dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0
fi
case "$engine" in
  afl) command -v afl-fuzz >/dev/null || apt_install afl++ ;;
  libfuzzer) command -v clang-14 >/dev/null || apt_install clang-14 ;;
  *) echo "FUZZ_ENGINE must be afl or libfuzzer" >&2; exit 2 ;;
esac

# One Release publish shared by concurrent runs, then a private copy per target that sharpfuzz instruments in place.
mkdir -p "$out"
(
  flock 9
  dotnet publish "$repo/fuzz/Qdhcp.Fuzz.Runner/Qdhcp.Fuzz.Runner.csproj" -c Release -o "$out/publish" --nologo -v quiet --disable-build-servers
) 9>"$out/.publish.lock"
bin="$out/$target/bin"
rm -rf "$bin" && mkdir -p "$out/$target" && cp -r "$out/publish" "$bin"
for assembly in Qdhcp.Wire Qdhcp.Engine Qdhcp.Dns Qdhcp.Configuration; do
  sharpfuzz "$bin/$assembly.dll"
done

findings="$out/$target/findings"
if [[ "$engine" == afl ]]; then
  export AFL_SKIP_BIN_CHECK=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1
  # -V: stop after SECONDS; -t: generous timeout (first inputs jit); -m none: the CLR reserves a lot of address space.
  afl-fuzz -V "$seconds" -i "$corpus" -o "$findings" -t 5000 -m none -- dotnet "$bin/Qdhcp.Fuzz.Runner.dll" "$target" afl
  echo "== $target: $(grep -E '^(execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg)' "$findings/default/fuzzer_stats" | tr -s ' ' | tr '\n' ' ')"
else
  driver="${LIBFUZZER_DOTNET:-$out/libfuzzer-dotnet}"
  if [[ ! -x "$driver" ]]; then
    curl -fsSL https://raw.githubusercontent.com/Metalnem/libfuzzer-dotnet/master/libfuzzer-dotnet.cc -o "$out/libfuzzer-dotnet.cc"
    clang-14 -fsanitize=fuzzer "$out/libfuzzer-dotnet.cc" -o "$driver"
  fi
  mkdir -p "$findings/queue" "$findings/crashes"
  "$driver" --target_path=dotnet --target_arg="$bin/Qdhcp.Fuzz.Runner.dll $target libfuzzer" \
    -max_total_time="$seconds" -timeout=10 -artifact_prefix="$findings/crashes/" "$findings/queue" "$corpus"
fi
echo "findings (if any) under $findings; replay one with: dotnet $bin/Qdhcp.Fuzz.Runner.dll $target replay FILE"
