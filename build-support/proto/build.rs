//! Compiles every adsync proto once, in pure Rust (protox), so no system `protoc` is needed.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "adsync/auth/v1/auth_service.proto",
    "adsync/ingestion/v1/supplier_feeds.proto",
    "adsync/ingestion/v1/ingestion_service.proto",
    "adsync/reporting/v1/common.proto",
    "adsync/reporting/v1/amazon_ads.proto",
    "adsync/reporting/v1/supplier_feeds.proto",
    "adsync/reporting/v1/reporting_service.proto",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Read when the script runs, not when it was compiled: a build script compiled for a
    // checkout elsewhere (the same sources in another directory) is reused by cargo.
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    println!("cargo:rerun-if-changed={}", root.display());

    let fds = protox::compile(PROTOS, [&root])?;
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    // Reflection serves this set, so grpcurl needs no proto files.
    std::fs::write(
        out_dir.join("adsync_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(fds)?;
    Ok(())
}
