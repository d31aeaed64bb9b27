# syntax=docker/dockerfile:1
# One image for Mesh.Heal. Default entry point: the sidecar (reads /etc/meshheal/sidecar.json when mounted).
#   docker build -t meshheal .
#   docker run -v $PWD/deploy/examples/sidecar.json:/etc/meshheal/sidecar.json meshheal --config /etc/meshheal/sidecar.json
# meshctl is in the image too: docker run --entrypoint /app/meshctl meshheal demo

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore layer first: it changes only when a project file or a package version changes.
COPY Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/Mesh.Heal.Core/Mesh.Heal.Core.csproj src/Mesh.Heal.Core/
COPY src/Mesh.Heal.Sidecar/Mesh.Heal.Sidecar.csproj src/Mesh.Heal.Sidecar/
COPY src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj src/Mesh.Heal.Cli/
RUN dotnet restore src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj
COPY src/ src/
RUN dotnet publish src/Mesh.Heal.Sidecar/Mesh.Heal.Sidecar.csproj -c Release --no-restore -o /out/sidecar \
 && dotnet publish src/Mesh.Heal.Cli/Mesh.Heal.Cli.csproj -c Release --no-restore -o /out/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /out/sidecar /app/sidecar
COPY --from=build /out/cli /app/cli
RUN printf '#!/bin/sh\nexec dotnet /app/cli/Mesh.Heal.Cli.dll "$@"\n' > /app/meshctl && chmod +x /app/meshctl
# In a pod the proxy and the admin listener must be reachable on the pod's address (kubelet probes, callers).
ENV Sidecar__ListenUrl=http://*:15001 \
    Sidecar__AdminUrl=http://*:15000 \
    DOTNET_gcServer=0
EXPOSE 15001 15000
USER $APP_UID
ENTRYPOINT ["dotnet", "/app/sidecar/Mesh.Heal.Sidecar.dll"]
