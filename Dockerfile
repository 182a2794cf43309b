# Multi-stage build: compile with the full toolchain, ship a small image with the binary only.
# TLS is rustls throughout, so the runtime image needs no OpenSSL.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
# The workspace's other member (the fake Telegram server, a dev-dependency): cargo reads every
# member's manifest, and its sources for their targets, even to build one binary. benches/ and
# tests/ are not needed: a declared target's file is read only when that target is built.
COPY crates ./crates
COPY src ./src
COPY migrations ./migrations
COPY locales ./locales
COPY assets ./assets
RUN cargo build --release --locked --bin handover-bot

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin handover \
    && mkdir -p /data /media && chown handover /data /media
COPY --from=build /src/target/release/handover-bot /usr/local/bin/handover-bot
USER handover
WORKDIR /data
ENV HANDOVER_DATABASE_URL=sqlite:///data/handover.db \
    HANDOVER_MEDIA_DIR=/data/media
VOLUME ["/data"]
# /healthz on HANDOVER_METRICS_ADDR (default 127.0.0.1:9090, inside the container).
HEALTHCHECK --interval=10s --timeout=5s --retries=3 CMD ["handover-bot", "health"]
ENTRYPOINT ["handover-bot"]
CMD ["run"]
