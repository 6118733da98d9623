//! The auth service's settings, from flags or the environment.

use adsync_db::DbArgs;

/// Everything the auth service needs to run.
#[derive(Debug, Clone, clap::Args)]
pub struct Config {
    #[command(flatten)]
    pub db: DbArgs,
}
