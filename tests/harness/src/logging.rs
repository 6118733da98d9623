//! Quiet tests, unless `TEST_LOG` asks for logs.

use std::sync::Once;

static INIT: Once = Once::new();

/// Installs a log subscriber once per test process when `TEST_LOG` is set ("1" means
/// "info"; anything else is an EnvFilter). Logs go through the test harness's capture.
pub fn init_test_logging() {
    INIT.call_once(|| {
        let Ok(filter) = std::env::var("TEST_LOG") else {
            return;
        };
        let filter = if filter == "1" {
            "info".to_owned()
        } else {
            filter
        };
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    });
}
