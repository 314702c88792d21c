# syntax=docker/dockerfile:1
# WebChat: HTTP (page, hub, /healthz, /metrics) on 8080 and the legacy TCP gateway on 5555.
# tests/WebChat.Tests/Operations/DockerfileTests.cs reads this file and repeats its steps without Docker.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /source

# Restore in their own layers: they change only when a dependency does
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY Directory.Build.props ./
COPY src/WebChat/WebChat.csproj src/WebChat/
RUN dotnet restore src/WebChat/WebChat.csproj

COPY src/ src/
RUN dotnet publish src/WebChat/WebChat.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_URLS=http://+:8080 \
    Chat__Gateway__Port=5555 \
    Logging__Json=true
EXPOSE 8080 5555
# Chat:DataPath ("data" under the WORKDIR): a node without Redis keeps its groups and its Data Protection keys
# there across restarts. A volume, owned by the user the app runs as (a new named volume takes this owner).
RUN mkdir -p /app/data && chown "$APP_UID" /app/data
VOLUME /app/data
USER $APP_UID
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["dotnet", "WebChat.dll", "--probe", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["dotnet", "WebChat.dll"]
