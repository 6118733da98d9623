//! gRPC statuses with AIP-193 details: every error carries an `ErrorInfo` (reason and
//! domain), invalid input a `BadRequest` listing each offending field.

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// A status with an `ErrorInfo` of `reason` in `domain`, and metadata (lowerCamelCase keys).
pub fn error_status(
    code: Code,
    message: impl Into<String>,
    domain: &str,
    reason: &str,
    metadata: &[(&str, String)],
) -> Status {
    let metadata = metadata
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect::<std::collections::HashMap<_, _>>();
    Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(reason, domain, metadata),
    )
}

/// UNAVAILABLE for a database that cannot answer now (the caller may retry); logged once.
pub fn database_unavailable(domain: &str, error: &dyn std::fmt::Display) -> Status {
    tracing::warn!(error = %error, "database unavailable");
    error_status(
        Code::Unavailable,
        "the database is unavailable; try again",
        domain,
        "DATABASE_UNAVAILABLE",
        &[],
    )
}

/// INTERNAL, answered generically: what went wrong is logged once, here, never sent.
pub fn internal_error(domain: &str, error: &dyn std::fmt::Display) -> Status {
    tracing::error!(error = %error, "internal error");
    error_status(Code::Internal, "internal error", domain, "INTERNAL", &[])
}

/// Collects field violations of one request; [`FieldViolations::into_result`] turns them
/// into a single INVALID_ARGUMENT naming every bad field.
#[derive(Debug, Default)]
pub struct FieldViolations {
    violations: Vec<(String, String)>,
}

impl FieldViolations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) -> &mut Self {
        self.violations.push((field.into(), description.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.violations.is_empty()
    }

    /// The fields named so far, in order.
    pub fn fields(&self) -> Vec<String> {
        self.violations.iter().map(|(f, _)| f.clone()).collect()
    }

    /// Adds `other`'s violations with `prefix` before each field (`period.` + `start_date`),
    /// for a nested message checked on its own.
    pub fn extend_prefixed(&mut self, prefix: &str, other: FieldViolations) -> &mut Self {
        self.violations.extend(
            other
                .violations
                .into_iter()
                .map(|(f, d)| (format!("{prefix}{f}"), d)),
        );
        self
    }

    /// `Ok` when nothing was wrong; otherwise INVALID_ARGUMENT with a `BadRequest` and an
    /// `ErrorInfo` (reason `INVALID_ARGUMENT`) in `domain`.
    pub fn into_result(self, domain: &str) -> Result<(), Status> {
        if self.violations.is_empty() {
            return Ok(());
        }
        let message = self
            .violations
            .iter()
            .map(|(f, d)| format!("{f}: {d}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut details = ErrorDetails::with_error_info(
            "INVALID_ARGUMENT",
            domain,
            std::collections::HashMap::new(),
        );
        for (field, description) in self.violations {
            details.add_bad_request_violation(field, description);
        }
        Err(Status::with_error_details(
            Code::InvalidArgument,
            message,
            details,
        ))
    }
}

/// INVALID_ARGUMENT for one field.
pub fn invalid_field(domain: &str, field: &str, description: impl Into<String>) -> Status {
    let mut v = FieldViolations::new();
    v.add(field, description);
    v.into_result(domain).expect_err("one violation")
}
