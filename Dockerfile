# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone with CA certificates: no shell,
# no package manager, a few MB in all. The build stage runs on the builder's
# own platform and cross-compiles, so the arm64 image needs no emulation.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
ARG TARGETOS=linux
ARG TARGETARCH
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/nonce-monitor .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/nonce-monitor /nonce-monitor
# No USER: GitHub runs container actions as root so they can write to the
# workspace and the file-command files. No WORKDIR: the runner sets it.
ENTRYPOINT ["/nonce-monitor"]
