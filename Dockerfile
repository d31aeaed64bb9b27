# syntax=docker/dockerfile:1
# One image for both roles of Mesh.Heal, and meshctl. The first argument picks the role:
#   docker build -t meshheal .
#   docker run meshheal control-plane            (needs tokens to listen beyond loopback: ControlPlane__Auth__*Tokens__0)
#   docker run -v $PWD/deploy/examples/sidecar.json:/etc/meshheal/sidecar.json meshheal sidecar --config /etc/meshheal/sidecar.json
#   docker run meshheal meshctl demo

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# The sidecar is published with NativeAOT, which links with clang and zlib (the SDK image is Debian/Ubuntu based).
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore layer first: it changes only when a project file or a package version changes.
COPY Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/Mesh.Heal.Core/Mesh.Heal.Core.csproj src/Mesh.Heal.Core/
COPY src/Mesh.Heal.Protocol/Mesh.Heal.Protocol.csproj src/Mesh.Heal.Protocol/
COPY src/Mesh.Heal.Agents/Mesh.Heal.Agents.csproj src/Mesh.Heal.Agents/
COPY src/Mesh.Heal.Sidecar/Mesh.Heal.Sidecar.csproj src/Mesh.Heal.Sidecar/
COPY src/Mesh.Heal.ControlPlane/Mesh.Heal.ControlPlane.csproj src/Mesh.Heal.ControlPlane/
COPY src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj src/Mesh.Heal.Cli/
COPY src/Mesh.Heal.Demo/Mesh.Heal.Demo.csproj src/Mesh.Heal.Demo/
# The demo host references every server project, meshctl the rest: restoring both restores them all.
RUN dotnet restore src/Mesh.Heal.Demo/Mesh.Heal.Demo.csproj \
 && dotnet restore src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj
# The protocol project compiles the contracts in proto/.
COPY proto/ proto/
COPY src/ src/
# The sidecar: one native executable, by the same script (and the same publish command) the benchmarks use; it
# restores for the image's runtime identifier itself, and treats trim and AOT warnings as errors.
COPY tests/bench/publish-sidecar-aot.sh tests/bench/
RUN tests/bench/publish-sidecar-aot.sh /out/sidecar-aot \
 && mkdir -p /out/sidecar && cp /out/sidecar-aot/Mesh.Heal.Sidecar /out/sidecar-aot/appsettings.json /out/sidecar/
RUN dotnet publish src/Mesh.Heal.ControlPlane/Mesh.Heal.ControlPlane.csproj -c Release --no-restore -o /out/control-plane \
 && dotnet publish src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj -c Release --no-restore -o /out/cli \
 && dotnet publish src/Mesh.Heal.Demo/Mesh.Heal.Demo.csproj -c Release --no-restore -o /out/demo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/sidecar /app/sidecar
COPY --from=build /out/control-plane /app/control-plane
COPY --from=build /out/cli /app/cli
# `meshctl demo` runs the demo host from the demo/ folder beside meshctl's (src/Mesh.Heal.Cli/Demo/DemoLauncher.cs).
COPY --from=build /out/demo /app/demo
COPY --chmod=755 deploy/docker/meshheal.sh /app/meshheal
# The bug fixer's git actuator runs git itself (worktrees, commits, pushes of its patch branches); an injected pod's
# init container runs `meshctl init-network`, which runs iptables.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates iptables \
 && rm -rf /var/lib/apt/lists/*
# The store and the sidecar's last-known-good policy live under /var/lib/meshheal (a volume in Kubernetes).
RUN mkdir -p /var/lib/meshheal/sidecar && chown -R "$APP_UID" /var/lib/meshheal
# In a pod every listener must be reachable on the pod's address (kubelet probes, callers, Prometheus).
ENV Sidecar__ListenUrl=http://*:15001 \
    Sidecar__AdminUrl=http://*:15000 \
    Sidecar__StateDirectory=/var/lib/meshheal/sidecar \
    ControlPlane__GrpcUrl=http://*:15010 \
    ControlPlane__HttpUrl=http://*:15080 \
    ControlPlane__StorePath=/var/lib/meshheal/controlplane.db \
    DOTNET_gcServer=0
EXPOSE 15001 15000 15010 15080
USER $APP_UID
ENTRYPOINT ["/app/meshheal"]
CMD ["sidecar"]
