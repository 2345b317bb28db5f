# Build a static binary, then ship it alone with CA certificates: no shell,
# no package manager, a few MB in all.
#
# Plain Dockerfile syntax, so that BuildKit, the classic builder
# (DOCKER_BUILDKIT=0, Debian's Docker on self-hosted runners) and podman
# build it alike:
# - no `# syntax=` line: BuildKit would pull a frontend image on every
#   build, and nothing here needs one;
# - no `FROM --platform=$BUILDPLATFORM`: only BuildKit sets it; the classic
#   builder fails on an empty platform and podman fails on a bare "linux",
#   so no fallback value suits both. The build stage runs on the platform
#   being built: the runner's own when it builds the action, and under
#   emulation for the arm64 half of a release (release.yml).
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/nonce-monitor .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/nonce-monitor /nonce-monitor
# No USER: GitHub runs container actions as root so they can write to the
# workspace and the file-command files (the action gives the files it
# writes to the workspace's owner). No WORKDIR: the runner sets it.
ENTRYPOINT ["/nonce-monitor"]
