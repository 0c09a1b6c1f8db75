# reckon on Debian 12 (bookworm), two stages (README.md, "Deployment"):
# - build: the packages tools/setup-debian.sh installs (the one list of build
#   dependencies), then a Release build of the reckon binary;
# - runtime: bookworm-slim with only the shared libraries reckon loads, the CA
#   certificates and the time zone database, running as the unprivileged user
#   reckon. The default command is the daemon, on /etc/reckon/reckon.json
#   (mount config/reckon.example.json or your own there); the journal lives on
#   the /var/lib/reckon volume, the ingest and control sockets on /run/reckon
#   (share that volume with the bots' containers).
# No Docker engine runs on reckon's CI machines: this file is checked by
# tests/cli/deploy.sh (CMD agrees with the compose file, the example config
# and the systemd unit) but the image is not built there.
FROM debian:bookworm AS build
COPY tools/setup-debian.sh /tmp/setup-debian.sh
RUN /tmp/setup-debian.sh && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DRECKON_TESTS=OFF \
    && cmake --build /build -j"$(nproc)" --target reckon

FROM debian:bookworm-slim
# libcairo2 + libfontconfig1 + libfreetype6 + fonts-dejavu-core: the daily report's charts and their
# labels (issue 13); tzdata: its time zones.
RUN apt-get update && apt-get install -y --no-install-recommends \
      libsqlite3-0 libcurl4 libcjson1 libssl3 libev4 libmicrohttpd12 libcairo2 libfontconfig1 libfreetype6 fonts-dejavu-core \
      ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/reckon --create-home --shell /usr/sbin/nologin reckon \
    && install -d -o reckon -g reckon -m 0750 /run/reckon \
    && install -d -m 0755 /etc/reckon
COPY --from=build /build/reckon /usr/local/bin/reckon
COPY config/reckon.example.json /etc/reckon/reckon.example.json
USER reckon
WORKDIR /var/lib/reckon
VOLUME ["/var/lib/reckon", "/run/reckon"]
# SIGTERM (docker stop) finishes the transaction in flight and exits 0;
# SIGHUP (docker kill -s HUP) reloads the config.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=10s \
  CMD ["reckon", "status", "--config", "/etc/reckon/reckon.json"]
CMD ["reckon", "run", "--config", "/etc/reckon/reckon.json"]
