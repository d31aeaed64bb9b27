#!/bin/sh
# The image's entry point: the first argument picks the role, the rest go to that program.
# The sidecar is a NativeAOT executable (no dotnet host); the control plane and meshctl run on the .NET runtime.
#   meshheal sidecar --config /etc/meshheal/sidecar.json
#   meshheal control-plane
#   meshheal meshctl status
#   meshheal demo                  (what `meshheal meshctl demo` runs: the demo host, which meshctl finds in /app/demo)
set -e
role=${1:-}
[ $# -gt 0 ] && shift
case "$role" in
  sidecar)       exec /app/sidecar/Mesh.Heal.Sidecar "$@" ;;
  control-plane) exec dotnet /app/control-plane/Mesh.Heal.ControlPlane.dll "$@" ;;
  meshctl)       exec dotnet /app/cli/meshctl.dll "$@" ;;
  demo)          exec dotnet /app/demo/meshheal-demo.dll "$@" ;;
  *)
    echo "meshheal: the first argument is the role; accepted: sidecar, control-plane, meshctl, demo (got '${role}')" >&2
    exit 2 ;;
esac
