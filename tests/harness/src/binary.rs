//! Checks on a service binary run as an operator would run it.

use std::process::Command;

/// Runs `bin` with an unreachable database whose URL carries a password (and valid
/// values for every other required setting of any service, so the database is what
/// fails), and asserts it exits non-zero, says why on stderr, never prints the password.
pub fn assert_rejects_unreachable_database(bin: &str) {
    let output = Command::new(bin)
        .args([
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "postgres://adsync:hunter2@127.0.0.1:1/adsync",
        ])
        .env_remove("DATABASE_URL")
        .env(
            "ADSYNC_TOKEN_ENCRYPTION_KEYS",
            "k1:KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=",
        )
        .env("ADSYNC_AUTH_URL", "http://127.0.0.1:1")
        .env("ADSYNC_SERVICE_TOKEN", "adsync_unused")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "{bin} should fail, stderr: {stderr}"
    );
    assert!(
        stderr.contains("cannot connect to postgres://adsync:***@127.0.0.1:1/adsync"),
        "unclear: {stderr}"
    );
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
}

/// Asserts `bin --help` documents each of `settings` (flags and their variables).
pub fn assert_help_documents(bin: &str, settings: &[&str]) {
    let output = Command::new(bin)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {bin}: {e}"));
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for setting in settings {
        assert!(
            help.contains(setting),
            "--help of {bin} does not mention {setting}:\n{help}"
        );
    }
}
