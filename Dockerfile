# kbase in a container: a build stage with the Rust toolchain, a small runtime stage
# with the binary alone, run as a user without privileges.
#
#   docker build -t kbase .
#   docker run -p 8080:8080 -v "$PWD/articles:/articles:ro" -v kbase-data:/var/lib/kbase kbase
#
# The pages' templates are compiled into the binary; mount a folder at /templates and
# set KBASE_TEMPLATES=/templates to change them.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin kbase

FROM debian:bookworm-slim
RUN useradd --system --uid 10001 --home-dir /var/lib/kbase --create-home kbase \
    && mkdir -p /articles \
    && chown kbase:kbase /var/lib/kbase
COPY --from=build /src/target/release/kbase /usr/local/bin/kbase
USER kbase
WORKDIR /var/lib/kbase
ENV KBASE_ARTICLES=/articles \
    KBASE_DATA=/var/lib/kbase/data \
    KBASE_DATABASE_URL=/var/lib/kbase/kbase.db \
    KBASE_ADDR=0.0.0.0:8080
VOLUME ["/articles", "/var/lib/kbase"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/kbase"]
CMD ["serve"]
