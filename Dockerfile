# syntax=docker/dockerfile:1
# Build: docker build -t ratify .
# Run:   docker run -p 8080:8080 -v ratify-data:/data ratify
FROM golang:1.26-bookworm AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOTOOLCHAIN=local
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=docker
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ratify ./cmd/ratify \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ratify /usr/local/bin/ratify
COPY --from=build --chown=65532:65532 /out/data /data
ENV RATIFY_ADDR=0.0.0.0:8080 \
    RATIFY_DATA_DIR=/data \
    RATIFY_LOG_FORMAT=json
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/ratify", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/ratify"]
CMD ["serve"]
