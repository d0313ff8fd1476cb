# Multi-stage build: compile in the Rust image, run from a slim Debian with only the shared
# libraries the binary links (libpq, libsqlite3) as a non-root user.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY migrations ./migrations
COPY rules ./rules
COPY templates ./templates
# declared in Cargo.toml as [[bench]]: cargo refuses a manifest whose target file is missing
COPY benches ./benches
RUN cargo build --release --locked --bin kitdesk

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libsqlite3-0 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/kitdesk --create-home kitdesk
COPY --from=build /src/target/release/kitdesk /usr/local/bin/kitdesk
USER kitdesk
WORKDIR /var/lib/kitdesk
ENV KITDESK_BIND=0.0.0.0:8080 \
    KITDESK_DATA_DIR=/var/lib/kitdesk
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["kitdesk"]
CMD ["serve"]
