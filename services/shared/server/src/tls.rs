//! TLS for adsync's servers and for the calls they make to each other (rustls), with
//! mutual TLS as an option: one certificate per service, presented to its callers and to
//! the services it calls, and one CA that signs them all.

use std::path::{Path, PathBuf};

use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// A service's TLS settings (all off by default: plaintext, as on a private network).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct TlsArgs {
    /// PEM certificate chain this service presents: served to its callers, and shown to
    /// the services it calls when they require client certificates. Turns TLS on.
    #[arg(long, env = "ADSYNC_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, env = "ADSYNC_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// PEM certificate(s) of the CA that signs adsync's services: verifies the services
    /// this one calls over https, and (with --tls-client-auth) the certificates its
    /// callers must present.
    #[arg(long, env = "ADSYNC_TLS_CA")]
    pub tls_ca: Option<PathBuf>,

    /// Mutual TLS: refuse callers that do not present a certificate signed by --tls-ca.
    #[arg(
        long,
        env = "ADSYNC_TLS_CLIENT_AUTH",
        requires = "tls_ca",
        requires = "tls_cert"
    )]
    pub tls_client_auth: bool,
}

fn read(flag: &str, path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{flag} {}: {e}", path.display()))
}

/// Whether `pem` holds a PEM block whose label ends in `label` ("CERTIFICATE"; "PRIVATE
/// KEY" also matches "RSA PRIVATE KEY" and "EC PRIVATE KEY").
fn has_pem(pem: &[u8], label: &str) -> bool {
    let text = String::from_utf8_lossy(pem);
    text.contains("-----BEGIN ") && text.contains(&format!("{label}-----"))
}

impl TlsArgs {
    fn identity(&self) -> Result<Option<Identity>, String> {
        let (Some(cert), Some(key)) = (&self.tls_cert, &self.tls_key) else {
            return Ok(None);
        };
        let (cert_pem, key_pem) = (read("--tls-cert", cert)?, read("--tls-key", key)?);
        if !has_pem(&cert_pem, "CERTIFICATE") {
            return Err(format!("--tls-cert {}: no PEM certificate", cert.display()));
        }
        if !has_pem(&key_pem, "PRIVATE KEY") {
            return Err(format!("--tls-key {}: no PEM private key", key.display()));
        }
        Ok(Some(Identity::from_pem(cert_pem, key_pem)))
    }

    fn ca(&self) -> Result<Option<Certificate>, String> {
        let Some(path) = &self.tls_ca else {
            return Ok(None);
        };
        let pem = read("--tls-ca", path)?;
        if !has_pem(&pem, "CERTIFICATE") {
            return Err(format!("--tls-ca {}: no PEM certificate", path.display()));
        }
        Ok(Some(Certificate::from_pem(pem)))
    }

    /// The server side: `None` without a certificate (plaintext).
    pub fn server_config(&self) -> Result<Option<ServerTlsConfig>, String> {
        let Some(identity) = self.identity()? else {
            return Ok(None);
        };
        let mut config = ServerTlsConfig::new().identity(identity);
        if self.tls_client_auth {
            let ca = self.ca()?.ok_or("--tls-client-auth needs --tls-ca")?;
            config = config.client_ca_root(ca);
        }
        Ok(Some(config))
    }

    /// The client side of a call to `url`: `None` for `http://`; for `https://`, the
    /// server verified against --tls-ca and this service's certificate shown when it has
    /// one.
    pub fn client_config(&self, url: &str) -> Result<Option<ClientTlsConfig>, String> {
        let Some(rest) = url.strip_prefix("https://") else {
            return Ok(None);
        };
        let host = rest
            .split(['/', ':'])
            .next()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| format!("{url:?} names no host"))?;
        let ca = self
            .ca()?
            .ok_or_else(|| format!("{url:?} is https: --tls-ca names the CA to verify it"))?;
        let mut config = ClientTlsConfig::new()
            .ca_certificate(ca)
            .domain_name(host.to_owned());
        if let Some(identity) = self.identity()? {
            config = config.identity(identity);
        }
        Ok(Some(config))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plaintext_unless_a_certificate_or_an_https_url_says_otherwise() {
        let none = TlsArgs::default();
        assert!(none.server_config().unwrap().is_none());
        assert!(
            none.client_config("http://127.0.0.1:50051")
                .unwrap()
                .is_none()
        );
        let why = none
            .client_config("https://auth.internal:50051")
            .unwrap_err();
        assert!(why.contains("--tls-ca"), "{why}");
        let missing = TlsArgs {
            tls_cert: Some("/nonexistent/cert.pem".into()),
            tls_key: Some("/nonexistent/key.pem".into()),
            ..TlsArgs::default()
        };
        let why = missing.server_config().unwrap_err();
        assert!(why.starts_with("--tls-cert /nonexistent/cert.pem"), "{why}");
    }
}
