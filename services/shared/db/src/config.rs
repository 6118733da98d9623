//! Database settings shared by every service, from flags or the environment.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Database flags every service binary accepts.
#[derive(Debug, Clone, clap::Args)]
pub struct DbArgs {
    /// PostgreSQL URL, e.g. postgres://user:password@127.0.0.1:5432/adsync.
    #[arg(long = "database-url", env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: SecretString,

    /// Most connections this process keeps open.
    #[arg(
        long = "db-max-connections",
        env = "ADSYNC_DB_MAX_CONNECTIONS",
        default_value_t = 16
    )]
    pub max_connections: u32,

    /// How long a request waits for a free connection before failing with UNAVAILABLE, in milliseconds.
    #[arg(
        long = "db-acquire-timeout-ms",
        env = "ADSYNC_DB_ACQUIRE_TIMEOUT_MS",
        default_value_t = 5000
    )]
    pub acquire_timeout_ms: u64,

    /// Upper bound of one SQL statement, in milliseconds (0: no limit).
    #[arg(
        long = "db-statement-timeout-ms",
        env = "ADSYNC_DB_STATEMENT_TIMEOUT_MS",
        default_value_t = 0
    )]
    pub statement_timeout_ms: u64,
}

/// Everything needed to open a [`crate::Db`].
#[derive(Debug, Clone)]
pub struct DbConfig {
    pub url: SecretString,
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// `None`: no limit.
    pub statement_timeout: Option<Duration>,
    /// Shown in `pg_stat_activity`, so operators can tell the services apart.
    pub application_name: String,
    /// Every transaction is read-only (the reporting service).
    pub read_only: bool,
    /// Whether one query may use parallel workers. Off for services answering many
    /// small concurrent queries: there the workers' start-up costs more than they save,
    /// and they take the cores other callers need.
    pub parallel_queries: bool,
    /// A query whose caller stopped waiting (its call was cancelled or hit its deadline)
    /// is cancelled in the database too, instead of running to its end or its statement
    /// timeout. For read-only services: a cancelled write would roll back.
    pub cancel_abandoned_queries: bool,
}

impl DbConfig {
    /// Settings from flags, for the service called `application_name`.
    pub fn from_args(args: &DbArgs, application_name: &str) -> Self {
        Self {
            url: args.database_url.clone(),
            max_connections: args.max_connections.max(1),
            acquire_timeout: Duration::from_millis(args.acquire_timeout_ms.max(1)),
            statement_timeout: (args.statement_timeout_ms > 0)
                .then(|| Duration::from_millis(args.statement_timeout_ms)),
            application_name: application_name.to_owned(),
            read_only: false,
            parallel_queries: true,
            cancel_abandoned_queries: false,
        }
    }

    /// Defaults for tests and tools: a small pool on `url`.
    pub fn new(url: impl Into<String>, application_name: &str) -> Self {
        Self {
            url: SecretString::from(url.into()),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(10),
            statement_timeout: None,
            application_name: application_name.to_owned(),
            read_only: false,
            parallel_queries: true,
            cancel_abandoned_queries: false,
        }
    }

    /// The URL with any password replaced, safe to print.
    pub fn redacted_url(&self) -> String {
        redact_url(self.url.expose_secret())
    }
}

/// `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`; anything
/// unparsable is hidden entirely rather than risk printing a password.
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut url) => {
            if url.password().is_some() {
                let _ = url.set_password(Some("***"));
            }
            let pairs: Vec<(String, String)> = url
                .query_pairs()
                .map(|(k, v)| {
                    let v = if k.eq_ignore_ascii_case("password") {
                        "***".into()
                    } else {
                        v.into_owned()
                    };
                    (k.into_owned(), v)
                })
                .collect();
            if !pairs.is_empty() {
                url.query_pairs_mut().clear().extend_pairs(pairs);
            }
            url.to_string()
        }
        Err(_) => "<unparsable database URL>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::redact_url;

    #[test]
    fn passwords_never_survive_redaction() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/adsync"),
            "postgres://app:***@db:5432/adsync"
        );
        assert_eq!(
            redact_url("postgres://db/adsync?password=hunter2&sslmode=require"),
            "postgres://db/adsync?password=***&sslmode=require"
        );
        assert_eq!(
            redact_url("host=db password=hunter2"),
            "<unparsable database URL>"
        );
    }
}
