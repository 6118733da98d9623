//! Flags every service binary shares.

use std::net::SocketAddr;

/// Where to listen and how to log.
#[derive(Debug, Clone, clap::Args)]
pub struct ServerArgs {
    /// Address to serve gRPC on. Port 0 picks a free port (it is logged).
    #[arg(long, env = "ADSYNC_LISTEN")]
    pub listen: SocketAddr,

    /// Log line format.
    #[arg(long, env = "ADSYNC_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Log filter in tracing's EnvFilter syntax, e.g. "info,adsync_ingestion=debug".
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_filter: String,
}

/// Log line formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log pipelines.
    Json,
}

/// The `T` that binary `bin` would build from `flags` (and the environment), defaults
/// included: how tests and tools configure a service exactly as its binary does.
pub fn parse_flags<T, I, S>(bin: &str, flags: I) -> Result<T, clap::Error>
where
    T: clap::Args,
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    #[derive(clap::Parser)]
    struct Flags<T: clap::Args> {
        #[command(flatten)]
        config: T,
    }
    let argv =
        std::iter::once(std::ffi::OsString::from(bin)).chain(flags.into_iter().map(Into::into));
    <Flags<T> as clap::Parser>::try_parse_from(argv).map(|f| f.config)
}
