#!/usr/bin/env bash
# The one test command (the README and .ci/run call it): checks prerequisites, restores, builds with warnings as
# errors, runs every test project, and ends with one line "N passed, N failed, N skipped" summed over all of them.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# System packages the tests need, as "command:debian-package" pairs (or "/path/glob:package" for a program off PATH, such
# as the PostgreSQL server the store tests start privately). Installed with apt-get when running as root. npm installs
# buf (@bufbuild/buf) for the proto tests, into tests/.tools.
PREREQUISITES=(prometheus:prometheus git:git cc:gcc npm:npm "/usr/lib/postgresql/*/bin/initdb:postgresql" chromium:chromium ip:iproute2 iptables:iptables curl:curl)

missing=()
for pair in "${PREREQUISITES[@]}"; do
  check=${pair%%:*}
  if [[ $check == /* ]]; then
    compgen -G "$check" >/dev/null || missing+=("${pair##*:}")
  else
    command -v "$check" >/dev/null 2>&1 || missing+=("${pair##*:}")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "tests/run.sh: installing ${missing[*]}"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >/dev/null \
      || { echo "tests/run.sh: apt-get could not install ${missing[*]}; install them and run again" >&2; exit 2; }
  else
    echo "tests/run.sh: missing ${missing[*]}; install them (e.g. sudo apt-get install ${missing[*]}) and run again" >&2
    exit 2
  fi
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "tests/run.sh: the .NET 10 SDK is needed (dotnet is not on PATH); install dotnet-sdk-10.0 and run again" >&2
  exit 2
fi

dotnet restore Mesh.Heal.sln --verbosity quiet || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }
# Warnings are errors through Directory.Build.props (CS1591, a missing doc comment, stays a warning).
dotnet build Mesh.Heal.sln --no-restore --verbosity quiet -p:TreatWarningsAsErrors=true \
  || { echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

results=$(mktemp -d)
trap 'kill "${aot_pid:-}" 2>/dev/null; rm -rf "$results"' EXIT
passed=0 failed=0 skipped=0 status=0
# Runs one test project (optionally filtered) and adds its trx counters to the totals.
run_tests() {
  local title=$1 project=$2 trxname=$3; shift 3
  echo "== $title"
  dotnet test "$project" --no-build --verbosity quiet "$@" \
    --logger "trx;LogFileName=$trxname.trx" --logger "console;verbosity=minimal" --results-directory "$results" || status=1
  add_counts "$title" "$trxname"
}
# Adds the counters of one trx file to the totals; no trx means the test host did not run, one failure.
add_counts() {
  local title=$1 trx="$results/$2.trx"
  if [ ! -f "$trx" ]; then
    echo "$title: no test results (the test host did not run)"
    failed=$((failed + 1)); status=1; return
  fi
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  local p f e t x
  p=$(get passed); f=$(get failed); e=$(get error); t=$(get total); x=$(get executed)
  # A skipped test is in total but not executed (the trx's notExecuted counter stays 0 for xunit's skips).
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
}

# The NativeAOT sidecar (about 80 s of publishing on a free machine) is published in the background while the test
# projects that start no sidecar and measure no wall-clock window run; the ones that do (the sidecar's, the demo's,
# the integration tests) start once it is done, so the publish's compiler does not share the cores with them.
aot_started=$SECONDS
echo "== publish the NativeAOT sidecar in the background (tests/bench/publish-sidecar-aot.sh)"
tests/bench/publish-sidecar-aot.sh "$results/sidecar-aot" >"$results/publish-aot.out" 2>"$results/publish-aot.err" &
aot_pid=$!

timed=()
concurrent_with_publish=(Mesh.Heal.Core.Tests Mesh.Heal.Protocol.Tests Mesh.Heal.Agents.Tests Mesh.Heal.Cli.Tests Mesh.Heal.ControlPlane.Tests)
after_publish=()
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  # The benchmarks and the shared harness (Mesh.Heal.Testing) are not test projects.
  case "$name" in *Benchmarks*|Mesh.Heal.Testing) continue ;; esac
  if [[ " ${concurrent_with_publish[*]} " == *" $name "* ]]; then
    started=$SECONDS
    run_tests "$name" "$project" "$name"
    timed+=("$name $((SECONDS - started)) s")
  else
    after_publish+=("$project")
  fi
done

publish_ok=1
wait "$aot_pid" || publish_ok=0
binary=$(tail -n 1 "$results/publish-aot.out" 2>/dev/null)
[ -n "$binary" ] && [ -x "$binary" ] || publish_ok=0
echo "publish of the NativeAOT sidecar: $((SECONDS - aot_started)) s after it started (ok=$publish_ok)"
[ "$publish_ok" = 1 ] || cat "$results/publish-aot.err" >&2

# The healing chaos scenarios (about five minutes, most of it waiting for agents to see, act and verify on the wall
# clock) run as two test processes side by side, after every other integration test: the heaviest (bugfix builds a
# service, growth and leak run longest) are split across them, each leaving the other a core; any new healing scenario
# lands in the second group; the data-plane scenarios' sub-second checks never share the machine with them.
healing_a=(bugfix cascade-agent flapping dry-run)
healing_in_a=$(printf 'DisplayName~%s|' "${healing_a[@]}")
healing_not_in_a=$(printf '&DisplayName!~%s' "${healing_a[@]}")
for project in "${after_publish[@]}"; do
  name=$(basename "$project" .csproj)
  started=$SECONDS
  if [ "$name" = Mesh.Heal.IntegrationTests ]; then
    run_tests "$name" "$project" "$name" --filter "FullyQualifiedName!~HealingScenario"
    echo "== $name: the healing scenarios, two groups side by side"
    dotnet test "$project" --no-build --verbosity quiet --filter "FullyQualifiedName~HealingScenario&(${healing_in_a%|})" \
      --logger "trx;LogFileName=$name.healing-a.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
      >"$results/healing-a.out" 2>&1 &
    healing_pid=$!
    dotnet test "$project" --no-build --verbosity quiet --filter "FullyQualifiedName~HealingScenario${healing_not_in_a}" \
      --logger "trx;LogFileName=$name.healing-b.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
      >"$results/healing-b.out" 2>&1 || status=1
    wait "$healing_pid" || status=1
    cat "$results/healing-a.out" "$results/healing-b.out"
    add_counts "$name (healing scenarios ${healing_a[*]})" "$name.healing-a"
    add_counts "$name (the other healing scenarios)" "$name.healing-b"
  else
    run_tests "$name" "$project" "$name"
  fi
  timed+=("$name $((SECONDS - started)) s")
done

# The AOT pass: the tests that start a sidecar run again against the native binary (MESHHEAL_SIDECAR_BINARY), since
# trimming, reflection binding and JSON serialization fail only there. The healing chaos scenarios (minutes of agent
# work, the same sidecar features) stay JIT-only to keep this pass short.
aot_started=$SECONDS
if [ "$publish_ok" = 1 ]; then
  echo "== AOT pass against $binary"
  export MESHHEAL_SIDECAR_BINARY=$binary
  run_tests "Mesh.Heal.Sidecar.Tests (AOT sidecar)" tests/Mesh.Heal.Sidecar.Tests/Mesh.Heal.Sidecar.Tests.csproj Mesh.Heal.Sidecar.Tests.aot \
    --filter "FullyQualifiedName~Mesh.Heal.Sidecar.Tests.Integration."
  # The integration tests whose sidecars are TestSidecar processes in this mode, and the data-plane chaos scenarios that
  # reach what only the whole native program does (policy stream, ACK/NACK, the persisted policy, fallback and the
  # ramp back). half-503, latency-jump, replica-down and cascade run JIT only: their breaker ratio, timeout, outlier
  # ejection and proxying run natively in the sidecar's own integration tests above (FallbackTests, OutlierDetectionTests).
  # MtlsTests and InterceptionTests check what trimming could break in the deployed binary: TLS with the issued
  # certificates, SO_ORIGINAL_DST through P/Invoke and the opaque TCP splice (about 25 s; the whole-mesh namespace
  # tests, TransparentMeshTests, stay JIT-only to keep the suite under 15 minutes).
  with_sidecars=(Cli.MeshctlTests ControlPlane.AuthTests ControlPlane.IdentityTests ControlPlane.PolicyPushTests
    ControlPlane.RestartTests ControlPlane.SidecarShutdownTests ControlPlane.TelemetryTests ControlPlane.TlsTests
    ControlPlane.MtlsTests Network.InterceptionTests)
  aot_scenarios=(upstream-down control-plane-killed bad-policy recovery)
  filter=$(printf 'FullyQualifiedName~Mesh.Heal.IntegrationTests.%s|' "${with_sidecars[@]}")
  filter+=$(printf '(FullyQualifiedName~Mesh.Heal.IntegrationTests.Chaos.ChaosTests.DataPlaneScenario&DisplayName~%s)|' "${aot_scenarios[@]}")
  run_tests "Mesh.Heal.IntegrationTests (AOT sidecar)" tests/Mesh.Heal.IntegrationTests/Mesh.Heal.IntegrationTests.csproj Mesh.Heal.IntegrationTests.aot \
    --filter "${filter%|}"
  unset MESHHEAL_SIDECAR_BINARY
else
  echo "the NativeAOT sidecar did not publish: the AOT pass counts as one failure"
  failed=$((failed + 1)); status=1
fi
timed+=("AOT pass $((SECONDS - aot_started)) s")
echo "time per project: $(IFS=,; echo "${timed[*]}" | sed 's/,/, /g')"

[ "$failed" -gt 0 ] && status=1
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
