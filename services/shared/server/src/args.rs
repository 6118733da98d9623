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
