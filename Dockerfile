# syntax=docker/dockerfile:1
# hermes container image: hermes-exporter (entrypoint) and hermes-target on an empty
# base: the two binaries, the shared libraries they link (found by ldd), CA
# certificates, a passwd entry for user 65532 and a default config. No shell, no
# package manager.
#
#   scripts/image.sh                    # buildah, no Docker engine needed (README, "Container image")
#   docker build --build-arg REVISION=$(git rev-parse --short=12 HEAD) \
#     --build-arg BUILD_DATE=$(TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ) \
#     -t hermes-exporter:0.1.0 .
#
# The tag matches the Helm chart's default image (repository hermes-exporter, tag =
# the chart's appVersion 0.1.0). Run hermes-target from the same image with
# --entrypoint /usr/bin/hermes-target.

# The build stage's base: debian:12, or scripts/image.sh's local debootstrap image.
ARG BASE=debian:12

########## build: Debian 12 toolchain and -dev packages, same steps as a developer ##########
FROM ${BASE} AS build
# .dockerignore leaves out .git: the revision and date come in as arguments.
ARG REVISION=unknown
ARG BUILD_DATE=unknown
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# scripts/deps.sh is the single list of build dependencies (cmake, ninja, g++, boost,
# curl, c-ares, yaml-cpp, spdlog, fmt, openssl, ca-certificates, ...).
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
# Release build without tests (scripts/build.sh: cmake -G Ninja + ninja).
RUN BUILD_DIR=build/release BUILD_TYPE=Release scripts/build.sh -DHERMES_TESTS=OFF \
      -DHERMES_REVISION="${REVISION}" -DHERMES_BUILD_DATE="${BUILD_DATE}" \
 && build/release/hermes-exporter --version
# The runtime root: binaries, every library ldd resolves for them (the loader
# included, which must be executable), CA certificates, /etc/passwd and /etc/group with root and 65532, the default
# config where the chart mounts its ConfigMap (/etc/hermes/config/hermes.yml).
RUN set -eu; rt=/runtime; \
    install -d "$rt/usr/bin" "$rt/etc/ssl/certs" "$rt/etc/hermes/config" "$rt/tmp"; \
    install -m 0755 -s build/release/hermes-exporter build/release/hermes-target "$rt/usr/bin/"; \
    for lib in $(ldd "$rt/usr/bin/hermes-exporter" "$rt/usr/bin/hermes-target" \
                 | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $2 ~ /^\(0x/ { print $1 }' \
                 | sort -u); do \
      install -D -m 0755 "$(readlink -f "$lib")" "$rt$lib"; \
    done; \
    install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rt/etc/ssl/certs/"; \
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/nonexistent:/sbin/nologin\n' \
      > "$rt/etc/passwd"; \
    printf 'root:x:0:\nnonroot:x:65532:\n' > "$rt/etc/group"; \
    install -m 0644 config/hermes.default.yml "$rt/etc/hermes/config/hermes.yml"; \
    install -m 0644 config/hermes.example.yml "$rt/etc/hermes/hermes.example.yml"; \
    chmod 1777 "$rt/tmp"

########## runtime: nothing but what the binaries need ##########
FROM scratch
ARG VERSION=0.1.0
ARG REVISION=unknown
LABEL org.opencontainers.image.title="hermes-exporter" \
      org.opencontainers.image.description="Prometheus-native network-quality exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/hermes-exporter/hermes"
COPY --from=build /runtime/ /
# The Helm chart mounts hermes.yml at /etc/hermes/config (ConfigMap), the web config at
# /etc/hermes/web, the token at /etc/hermes/token and the certificate at /etc/hermes/tls.
# Nothing is written at run time: the image works with readOnlyRootFilesystem.
WORKDIR /etc/hermes
USER 65532:65532
EXPOSE 10516
# Exec form: there is no shell.
ENTRYPOINT ["/usr/bin/hermes-exporter"]
CMD ["--config.file=/etc/hermes/config/hermes.yml"]
