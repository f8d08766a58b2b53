# syntax=docker/dockerfile:1
# hermes container image: hermes-exporter (entrypoint) and hermes-target.
#
#   docker build -t hermes-exporter:0.1.0 .
#   docker run --rm -p 10516:10516 -v "$PWD/config:/etc/hermes/config:ro" \
#     hermes-exporter:0.1.0 --config.file=/etc/hermes/config/hermes.yml
#
# The tag matches the Helm chart's default image (repository hermes-exporter, tag =
# the chart's appVersion 0.1.0). Push it to your registry and set image.repository.
# Run hermes-target from the same image with --entrypoint /usr/local/bin/hermes-target.

########## build: Debian 12 toolchain and -dev packages, same steps as a developer ##########
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# scripts/deps.sh is the single list of build dependencies (cmake, ninja, g++, boost,
# curl, c-ares, yaml-cpp, spdlog, fmt, openssl, zlib, ...).
COPY scripts/deps.sh scripts/deps.sh
RUN scripts/deps.sh build && rm -rf /var/lib/apt/lists/*
COPY . .
# Release build without tests (scripts/build.sh: cmake -G Ninja + ninja).
RUN BUILD_DIR=build/release BUILD_TYPE=Release scripts/build.sh -DHERMES_TESTS=OFF \
 && strip --strip-unneeded build/release/hermes-exporter build/release/hermes-target \
 && build/release/hermes-exporter --version

########## runtime: only the shared libraries the binaries link against ##########
FROM debian:12-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="hermes-exporter" \
      org.opencontainers.image.description="Prometheus-native network-quality exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/hermes-exporter/hermes"
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      ca-certificates \
      libc-ares2 \
      libcrypt1 \
      libcurl4 \
      libfmt9 \
      libspdlog1.10 \
      libssl3 \
      libyaml-cpp0.7 \
      zlib1g \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/* /var/log/apt /var/log/dpkg.log
COPY --from=build /src/build/release/hermes-exporter /src/build/release/hermes-target /usr/local/bin/
COPY --from=build /src/config/hermes.example.yml /etc/hermes/hermes.example.yml
# The Helm chart mounts hermes.yml at /etc/hermes/config (ConfigMap), the web config at
# /etc/hermes/web, the token at /etc/hermes/token and the certificate at /etc/hermes/tls.
# Nothing is written at run time: the image works with readOnlyRootFilesystem.
WORKDIR /etc/hermes
USER 65532:65532
EXPOSE 10516
# Exec form: no shell is involved at run time.
ENTRYPOINT ["/usr/local/bin/hermes-exporter"]
CMD ["--config.file=/etc/hermes/config/hermes.yml"]
