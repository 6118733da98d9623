//! The `linkedin-sandbox` binary documents its flags.

#[test]
fn help_documents_seed_size_and_fault_flags() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_linkedin-sandbox"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--seed",
        "--accounts",
        "--campaign-groups",
        "--campaigns",
        "--creatives",
        "--days",
        "--rate-limit-calls",
        "--rate-limit-window-ms",
        "--retry-after-http-date",
        "--error-ratio",
        "--slow-ratio",
        "--slow-delay-ms",
        "--drop-ratio",
        "--malformed-ratio",
        "--client-id",
        "--client-secret",
    ] {
        assert!(
            help.contains(flag),
            "--help does not mention {flag}:\n{help}"
        );
    }
}
