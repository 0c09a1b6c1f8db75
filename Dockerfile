# reckon on Debian bookworm: build stage with the -dev packages, slim runtime
# stage running as an unprivileged user with the journal on a volume.
FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libsqlite3-dev libcurl4-openssl-dev \
      libcjson-dev libssl-dev libev-dev libmicrohttpd-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -DCMAKE_BUILD_TYPE=Release -DRECKON_TESTS=OFF \
    && cmake --build /build -j"$(nproc)" --target reckon

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libsqlite3-0 libcurl4 libcjson1 libssl3 libev4 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/reckon --create-home --shell /usr/sbin/nologin reckon
COPY --from=build /build/reckon /usr/local/bin/reckon
USER reckon
WORKDIR /var/lib/reckon
VOLUME ["/var/lib/reckon"]
ENTRYPOINT ["/usr/local/bin/reckon"]
CMD ["help"]
