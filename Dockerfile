# One image for every adsync binary; compose picks the binary per service.
# Build: docker build -t adsync .

FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bins \
    && mkdir /out \
    && find target/release -maxdepth 1 -type f -executable \( -name 'adsync*' -o -name linkedin-sandbox -o -name amazon-ads-sandbox \) -exec cp {} /out/ \;

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 adsync \
    && mkdir /shared && chown adsync /shared
COPY --from=build /out/ /usr/local/bin/
USER adsync
ENV ADSYNC_LOG_FORMAT=json
