//! Which PostgreSQL server the tests use, starting a throwaway one when none is given.

use std::path::PathBuf;
use std::process::Command;
use std::sync::LazyLock;

static SERVER_URL: LazyLock<String> = LazyLock::new(resolve_server_url);

/// The URL of the PostgreSQL server tests create their databases on (its maintenance
/// database). Resolved once per process.
pub fn server_url() -> &'static str {
    &SERVER_URL
}

fn resolve_server_url() -> String {
    for var in ["TEST_DATABASE_URL", "DATABASE_URL"] {
        if let Ok(url) = std::env::var(var)
            && !url.trim().is_empty()
        {
            return url;
        }
    }
    start_throwaway_cluster()
}

/// Starts a cluster with `build-support/pg` in a fresh temporary directory; the script's
/// watcher stops it and deletes the directory once this process has exited.
fn start_throwaway_cluster() -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../build-support/pg");
    let dir =
        std::env::temp_dir().join(format!("adsync-test-pg-{}", uuid::Uuid::new_v4().simple()));
    let output = Command::new("bash")
        .arg(&script)
        .args(["start", "--fast", "--dir"])
        .arg(&dir)
        .args(["--watch-pid", &std::process::id().to_string()])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    if !output.status.success() {
        panic!(
            "no TEST_DATABASE_URL or DATABASE_URL set, and starting a throwaway PostgreSQL failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    String::from_utf8(output.stdout)
        .expect("URL is UTF-8")
        .trim()
        .to_owned()
}
