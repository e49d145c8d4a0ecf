# syntax=docker/dockerfile:1
#
# opsbook in a container, for GitLab CI, Jenkins and anything else that runs images: a static
# binary on distroless/static, as the non-root user `nonroot` (uid 65532), with `opsbook` as the
# entrypoint. See book/src/installation.md#container-image.
#
# The base is the `debug-nonroot` variant: distroless/static plus busybox's /busybox/sh
# (about 1 MB), because GitLab CI and Jenkins run a job's `script` lines with a shell inside
# the image. No package manager, no libc: the binary is static.
#
# Where the binary comes from (the BINARY build argument):
#   docker build -t opsbook .
#       BINARY=source (the default): compile a static musl binary in the `source` stage.
#   docker build --build-arg BINARY=prebuilt -t opsbook .
#       copy dist/<os>/<arch>/opsbook from the build context, e.g. dist/linux/amd64/opsbook:
#       the musl binaries of a release (.github/workflows/release.yml), or the static binary
#       .ci/run builds. BuildKit builds only the stages the chosen one needs.
ARG BINARY=source

# --- source: compile from this checkout --------------------------------------------------
FROM rust:1-alpine AS source
# A C compiler and headers for the C code in the dependencies (mimalloc, libgit2, zlib).
# Not pinned: the Rust image's Alpine release decides the versions.
# hadolint ignore=DL3018
RUN apk add --no-cache build-base
WORKDIR /src
COPY . .
# The build context has no .git (.dockerignore): pass the commit for `opsbook --version`,
# e.g. --build-arg OPSBOOK_BUILD_COMMIT="$(git rev-parse HEAD)".
ARG OPSBOOK_BUILD_COMMIT=""
ENV OPSBOOK_BUILD_COMMIT=${OPSBOOK_BUILD_COMMIT}
# On Alpine the host target is musl, which links statically by default.
RUN cargo build --profile dist --locked \
 && install -D -m 0755 target/dist/opsbook /out/opsbook

# --- prebuilt: a static binary built elsewhere --------------------------------------------
FROM scratch AS prebuilt
ARG TARGETPLATFORM
COPY --chmod=0755 dist/${TARGETPLATFORM}/opsbook /out/opsbook

# --- the image ----------------------------------------------------------------------------
# hadolint ignore=DL3006
FROM ${BINARY} AS binary

FROM gcr.io/distroless/static-debian12:debug-nonroot
LABEL org.opencontainers.image.title="opsbook" \
      org.opencontainers.image.description="Incident runbooks and postmortems as docs-as-code: lint gate and static knowledge site." \
      org.opencontainers.image.source="https://github.com/opsbook/opsbook" \
      org.opencontainers.image.licenses="MIT OR Apache-2.0"
COPY --from=binary /out/opsbook /usr/local/bin/opsbook
# Trust checkouts owned by another user (see the file).
COPY container/gitconfig /etc/gitconfig
# Mount the knowledge base here: docker run --rm -v "$PWD:/work" opsbook lint
WORKDIR /work
# `nonroot`, by number so Kubernetes' runAsNonRoot can check it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/opsbook"]
CMD ["--help"]
