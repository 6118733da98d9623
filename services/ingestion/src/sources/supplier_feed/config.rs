//! The supplier-feed source's settings, from flags or the environment.

/// How to reach Google Sheets and Drive, and how large an uploaded file may be.
#[derive(Debug, Clone, clap::Args)]
pub struct SupplierFeedArgs {
    /// The Google Sheets API base.
    #[arg(
        long,
        env = "ADSYNC_SHEETS_API_URL",
        default_value = "https://sheets.googleapis.com"
    )]
    pub sheets_api_url: String,

    /// The Google Drive API base (a spreadsheet's version, for the freshness gate).
    #[arg(
        long,
        env = "ADSYNC_DRIVE_API_URL",
        default_value = "https://www.googleapis.com"
    )]
    pub drive_api_url: String,

    /// The largest price list file an upload may carry, in bytes (files are kept in the
    /// database and parsed in memory).
    #[arg(
        long,
        env = "ADSYNC_MAX_UPLOAD_BYTES",
        default_value_t = 32 * 1024 * 1024
    )]
    pub max_upload_bytes: usize,
}
