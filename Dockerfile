# syntax=docker/dockerfile:1
# Build a static binary, then ship it alone with CA certificates: no shell,
# no package manager, a few MB in all.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/nonce-monitor .

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/nonce-monitor /nonce-monitor
# No USER: GitHub runs container actions as root so they can write to the
# workspace and the file-command files. No WORKDIR: the runner sets it.
ENTRYPOINT ["/nonce-monitor"]
