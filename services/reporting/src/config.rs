//! The reporting service's settings, from flags or the environment.

use adsync_db::DbArgs;
use adsync_server::RemoteAuthArgs;

/// Everything the reporting service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,

    #[command(flatten)]
    pub auth: RemoteAuthArgs,
}
