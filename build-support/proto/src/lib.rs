//! The adsync gRPC contracts, generated from `proto/` at build time.
//!
//! Modules mirror the proto packages (`adsync::auth::v1`, ...) because prost refers to
//! other packages with relative paths. [`FILE_DESCRIPTOR_SET`] feeds server reflection.

// Generated code follows prost's conventions, not ours.
#![allow(unreachable_pub, clippy::all, clippy::pedantic, missing_docs)]

pub mod adsync {
    pub mod auth {
        pub mod v1 {
            tonic::include_proto!("adsync.auth.v1");
        }
    }
    pub mod ingestion {
        pub mod v1 {
            tonic::include_proto!("adsync.ingestion.v1");
        }
    }
    pub mod reporting {
        pub mod v1 {
            tonic::include_proto!("adsync.reporting.v1");
        }
    }
}

pub use adsync::auth::v1 as auth;
pub use adsync::ingestion::v1 as ingestion;
pub use adsync::reporting::v1 as reporting;

/// The encoded `FileDescriptorSet` of every adsync proto, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("adsync_descriptor");

/// Fully qualified service names, as health checks and reflection report them.
pub const AUTH_SERVICE: &str = "adsync.auth.v1.AuthService";
/// See [`AUTH_SERVICE`].
pub const INGESTION_SERVICE: &str = "adsync.ingestion.v1.IngestionService";
/// See [`AUTH_SERVICE`].
pub const REPORTING_SERVICE: &str = "adsync.reporting.v1.ReportingService";
