//! A throwaway PKI for TLS tests and local stacks: a CA and, per service name, a
//! certificate for the name itself (a compose host name), `localhost` and `127.0.0.1`
//! that serves as both a server and a client certificate (mutual TLS between the
//! services uses the same one).

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

/// Certificates written to a directory: `ca.pem`, and `NAME.pem` with `NAME.key` per name.
#[derive(Debug, Clone)]
pub struct DevPki {
    dir: PathBuf,
}

impl DevPki {
    /// Generates a CA and a certificate for each of `names` into `dir` (created).
    pub fn generate(dir: &Path, names: &[&str]) -> Result<DevPki, String> {
        let fail = |e: rcgen::Error| e.to_string();
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "adsync development CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().map_err(fail)?)
            .map_err(fail)?;
        let pki = DevPki {
            dir: dir.to_owned(),
        };
        write(&pki.ca(), &ca.pem())?;
        for name in names {
            let names = vec![
                (*name).to_owned(),
                "localhost".to_owned(),
                "127.0.0.1".to_owned(),
            ];
            let mut params = CertificateParams::new(names).map_err(fail)?;
            params.distinguished_name.push(DnType::CommonName, *name);
            params.extended_key_usages = vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ];
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::KeyEncipherment,
            ];
            let key = KeyPair::generate().map_err(fail)?;
            let cert = params.signed_by(&key, &ca).map_err(fail)?;
            write(&pki.cert(name), &cert.pem())?;
            write(&pki.key(name), &key.serialize_pem())?;
        }
        Ok(pki)
    }

    pub fn ca(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn cert(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.pem"))
    }

    pub fn key(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key"))
    }

    /// The settings of service `name`: its certificate, the CA, and whether callers must
    /// present a certificate.
    pub fn tls_args(&self, name: &str, client_auth: bool) -> adsync_server::TlsArgs {
        adsync_server::TlsArgs {
            tls_cert: Some(self.cert(name)),
            tls_key: Some(self.key(name)),
            tls_ca: Some(self.ca()),
            tls_client_auth: client_auth,
        }
    }
}

fn write(path: &Path, pem: &str) -> Result<(), String> {
    std::fs::write(path, pem).map_err(|e| format!("{}: {e}", path.display()))
}
