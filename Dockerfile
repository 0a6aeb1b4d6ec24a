# Gatehouse container image: a static binary (no cgo: SQLite is pure Go) on a
# minimal non-root base. Templates and migrations are inside the binary.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gatehouse ./cmd/gatehouse

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gatehouse /gatehouse
USER nonroot:nonroot
ENV GATEHOUSE_ADDR=:8080 GATEHOUSE_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
# Liveness: the process serves HTTP (/healthz). Readiness (/readyz: the
# database, Redis and the signing keys) is for the load balancer.
HEALTHCHECK --interval=30s --timeout=6s --start-period=60s CMD ["/gatehouse", "healthcheck"]
ENTRYPOINT ["/gatehouse"]
CMD ["serve"]
