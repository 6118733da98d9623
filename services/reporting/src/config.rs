//! The reporting service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::{Clock, RemoteAuthArgs};

/// Everything the reporting service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    /// TLS for this service's server and its calls to the other services.
    #[command(flatten)]
    pub tls: adsync_server::TlsArgs,

    #[command(flatten)]
    pub auth: RemoteAuthArgs,

    /// The longest date range a report may cover, in days (three years by default, so a
    /// year can be compared with the two before it).
    #[arg(long, env = "ADSYNC_REPORT_MAX_RANGE_DAYS", default_value_t = 1096)]
    pub report_max_range_days: u32,

    /// The freshness TTL GetSyncStatus measures data age against (minutes); the same
    /// variable sets ingestion's gate, so the two agree.
    #[arg(long, env = "ADSYNC_FRESHNESS_TTL_MINUTES", default_value_t = 240)]
    pub freshness_ttl_minutes: u64,

    /// A report query running longer than this is cancelled and answered UNAVAILABLE, in
    /// milliseconds (0: none). `--db-statement-timeout-ms`, when set, wins.
    #[arg(
        long,
        env = "ADSYNC_REPORT_STATEMENT_TIMEOUT_MS",
        default_value_t = 15_000
    )]
    pub report_statement_timeout_ms: u64,

    /// How many calls this server handles at once, and how long one may take.
    #[command(flatten)]
    pub limits: adsync_server::CallLimits,

    /// The time source; tests move it forward.
    #[arg(skip)]
    pub clock: Clock,

    /// Test builds only: reports skip their own workspace filters (row-level security
    /// still applies). See [`Config::without_workspace_filters`].
    #[cfg(feature = "test-without-workspace-filters")]
    #[arg(skip)]
    pub without_workspace_filters: bool,
}

impl Config {
    /// Whether reports skip their own workspace filters: only ever in a test build that
    /// asks for it, to show the row-level security backstop at work.
    pub(crate) fn workspace_filters_off(&self) -> bool {
        #[cfg(feature = "test-without-workspace-filters")]
        {
            self.without_workspace_filters
        }
        #[cfg(not(feature = "test-without-workspace-filters"))]
        {
            false
        }
    }

    /// The statement timeout of the read pool: the database flag's if set, else the
    /// reporting default.
    pub(crate) fn statement_timeout(&self) -> Option<std::time::Duration> {
        let ms = match self.db.statement_timeout_ms {
            0 => self.report_statement_timeout_ms,
            ms => ms,
        };
        (ms > 0).then(|| std::time::Duration::from_millis(ms))
    }

    /// The configuration `adsync-reporting` would build from these flags (and the
    /// environment), defaults included.
    pub fn from_flags<I, S>(flags: I) -> Result<Config, clap::Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<std::ffi::OsString> + Clone,
    {
        adsync_server::parse_flags("adsync-reporting", flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(flags: &[&str]) -> Config {
        let mut all = vec![
            "--database-url",
            "postgres://127.0.0.1:1/x",
            "--auth-url",
            "http://127.0.0.1:1",
            "--service-token",
            "adsync_x",
        ];
        all.extend_from_slice(flags);
        Config::from_flags(all).unwrap()
    }

    #[test]
    fn report_queries_have_a_statement_timeout_by_default() {
        let ms = |c: &Config| c.statement_timeout().map(|d| d.as_millis());
        assert_eq!(ms(&config(&[])), Some(15_000));
        assert_eq!(
            ms(&config(&["--db-statement-timeout-ms", "2000"])),
            Some(2_000)
        );
        assert_eq!(ms(&config(&["--report-statement-timeout-ms", "0"])), None);
    }
}
