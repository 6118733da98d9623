//! `adsync-dev-certs DIR`: a development CA and a certificate for each of adsync's
//! services and the CLI (`auth`, `ingestion`, `reporting`, `cli`), for running a local
//! stack over TLS (see the README). Never for production: the keys are written in the
//! clear next to the certificates.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1).filter(|a| !a.starts_with('-')) else {
        eprintln!("usage: adsync-dev-certs DIR");
        return ExitCode::from(2);
    };
    match adsync_test_harness::tls::DevPki::generate(
        std::path::Path::new(&dir),
        &["auth", "ingestion", "reporting", "cli"],
    ) {
        Ok(pki) => {
            println!("CA {}", pki.ca().display());
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("adsync-dev-certs: {why}");
            ExitCode::FAILURE
        }
    }
}
