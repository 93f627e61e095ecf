# The production image of the Inventory API: the workflow builds exactly this file and the host runs its image.
#
#   docker build --build-arg VERSION=1.4.0 --build-arg COMMIT="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" --build-arg SOURCE=https://github.com/OWNER/REPO \
#     -t inventory-api .
#
# Configuration comes only from the environment at run time (ConnectionStrings__inventorydb, Auth__ApiKeys__…);
# no secret is ever a build argument or part of a layer. Runs read-only (--read-only --tmpfs /tmp), with every
# capability dropped and no-new-privileges. Air-gapped CI builds both base images as local stand-ins
# (.ci/base-images.sh reads the FROM lines below: keep them literal).

FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS build
SHELL ["/bin/bash", "-Eeuo", "pipefail", "-c"]
WORKDIR /src
# ReadyToRun code is per architecture, so the runtime identifier follows the platform being built (BuildKit sets
# TARGETARCH; the legacy builder does not, hence the default).
ARG TARGETARCH=amd64

# Restore from the project files alone, so an edit of the source reuses this layer and its packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY Inventory.ServiceDefaults/Inventory.ServiceDefaults.csproj Inventory.ServiceDefaults/
COPY Inventory.Api/Inventory.Api.csproj Inventory.Api/
RUN dotnet restore Inventory.Api/Inventory.Api.csproj -r "linux-${TARGETARCH/amd64/x64}" -p:PublishReadyToRun=true

COPY Inventory.ServiceDefaults/ Inventory.ServiceDefaults/
COPY Inventory.Api/ Inventory.Api/

# What GET /version reports. Declared after the restore, so a new version does not re-restore. Passed as the
# project's own properties rather than as Version, which the SDK rejects unless it is SemVer (a commit id is not);
# and kept out of dotnet's environment, where MSBuild would read VERSION as $(Version) all the same. An empty
# value, or one MSBuild would split (at ';'), fails here with a clear message.
ARG VERSION=dev
ARG COMMIT=unknown
# ReadyToRun: the assemblies carry native code, so start-up does not wait for the JIT
# (Inventory.Api/README.md, "The image").
RUN if [[ -z "$VERSION" || -z "$COMMIT" || "$VERSION$COMMIT" =~ [^A-Za-z0-9._+-] ]]; then \
      echo "VERSION and COMMIT must be non-empty and hold only A-Z a-z 0-9 . _ + - (got VERSION='$VERSION' COMMIT='$COMMIT')" >&2; \
      exit 1; \
    fi; \
    env -u VERSION -u COMMIT dotnet publish Inventory.Api/Inventory.Api.csproj --no-restore -c Release -o /app \
      -r "linux-${TARGETARCH/amd64/x64}" --self-contained false -p:PublishReadyToRun=true -p:UseAppHost=false \
      -p:InventoryBuildVersion="$VERSION" -p:InventoryBuildCommit="$COMMIT" -p:SourceRevisionId="$COMMIT"

# Chiseled: no shell, no package manager, only what .NET needs, and the non-root user `app` (uid 1654). Not the
# -extra variant: the API needs neither ICU (InvariantGlobalization) nor tzdata (it keeps times in UTC).
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
ARG VERSION=dev
ARG COMMIT=unknown
# The workflow passes both (repository URL; build time, RFC 3339); a local build may leave them empty.
ARG CREATED=
ARG SOURCE=
LABEL org.opencontainers.image.title="Inventory API" \
      org.opencontainers.image.source="$SOURCE" \
      org.opencontainers.image.revision="$COMMIT" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.created="$CREATED"

# Defaults only; the operator's environment overrides each.
# - Chiseled images carry no Kerberos library, so PostgreSQL's GSS encryption can never work here; Npgsql 10
#   would still try it on every new connection (and print "Cannot load library libgssapi_krb5.so.2").
# - On SIGTERM, in-flight requests get 3 s to finish, so `docker stop` (10 s grace) always sees a clean exit
#   (code 0) instead of a SIGKILL; behind the proxy, a stopped container has no traffic left anyway.
# - glibc's malloc maps blocks of 64 KiB and more on their own and unmaps them when freed, instead of keeping freed
#   memory in its arenas, where it stayed resident (about 12 MB in the benchmark, which runs with this ENV too).
#   Why: see "Decision: malloc's mmap threshold and GC conserve-memory" in Inventory.Api/README.md.
ENV PGGSSENCMODE=disable \
    DOTNET_SHUTDOWNTIMEOUTSECONDS=3 \
    GLIBC_TUNABLES=glibc.malloc.mmap_threshold=65536

WORKDIR /app
COPY --from=build /app ./

# Port 8080 (ASPNETCORE_HTTP_PORTS of the base image) needs no capability, so --cap-drop ALL is fine.
EXPOSE 8080
USER $APP_UID
ENTRYPOINT ["dotnet", "Inventory.Api.dll"]
