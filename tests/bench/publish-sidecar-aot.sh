#!/usr/bin/env bash
# Publishes the sidecar with NativeAOT (one native executable, trimmed) and prints its path on the last line.
# Usage: tests/bench/publish-sidecar-aot.sh [output directory, default artifacts/sidecar-aot]
# The native toolchain NativeAOT links with (clang, zlib) comes from Debian; installed here when running as root.
# The JIT build stays what `dotnet build` and `dotnet run --project src/Mesh.Heal.Sidecar` give, for development.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(realpath -m "${1:-artifacts/sidecar-aot}")

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null \
      || { echo "publish-sidecar-aot: apt-get could not install ${missing[*]}" >&2; exit 2; }
  else
    echo "publish-sidecar-aot: NativeAOT needs ${missing[*]}: sudo apt-get install ${missing[*]}" >&2
    exit 2
  fi
fi

rid=linux-$(uname -m | sed -e 's/x86_64/x64/' -e 's/aarch64/arm64/')
dotnet publish src/Mesh.Heal.Sidecar/Mesh.Heal.Sidecar.csproj -c Release -r "$rid" -p:PublishAot=true \
  -o "$out" --verbosity quiet -p:TreatWarningsAsErrors=true >&2
echo "$out/Mesh.Heal.Sidecar"
