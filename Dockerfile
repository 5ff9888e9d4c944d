# The trailhunt image: one static binary, evaluate, on distroless, non-root.
# At the repository's root because the build needs the whole module (the
# detections are embedded in the binary): `docker build -t trailhunt .`
# Checked by deploy/kubernetes/dockerfile_test.go (no Docker engine in CI).
#
# Tags, not digests: pin digests in your own build (FROM image:tag@sha256:...)
# if your registry policy asks for it; the test accepts either.

# Go as go.mod's go directive.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static (no cgo, so no libc needed at run time), reproducible paths.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/evaluate ./cmd/evaluate

# distroless/static: CA certificates (S3 over HTTPS) and tzdata, no shell,
# no package manager; nonroot runs as uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/evaluate /evaluate
USER 65532:65532
ENTRYPOINT ["/evaluate"]
