//! The service accounts the sandbox knows: an email, a key id and an RSA key pair each.
//! The keys are fixed test keys made for this sandbox (they sign nothing anywhere else),
//! so tests, the demo and the binary share them without generating RSA keys at start-up.

use base64::Engine;
use ring::signature::RsaKeyPair;
use serde_json::{Value, json};

const KEYS: [&str; 2] = [include_str!("keys/sa1.pem"), include_str!("keys/sa2.pem")];

/// One registered service account.
#[derive(Debug)]
pub struct ServiceAccount {
    pub email: String,
    pub key_id: String,
    pub client_id: String,
    /// PKCS#8, PEM: what a key file carries.
    pub private_key_pem: &'static str,
    /// RSAPublicKey DER, to check signatures with.
    pub(crate) public_key: Vec<u8>,
}

/// The DER of a PEM document.
fn pem_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("the sandbox's keys are valid PEM")
}

impl ServiceAccount {
    /// The sandbox's accounts: `supplier-feeds@…` and `other-team@…`.
    pub(crate) fn all(project: &str) -> Vec<ServiceAccount> {
        ["supplier-feeds", "other-team"]
            .iter()
            .zip(KEYS)
            .enumerate()
            .map(|(i, (name, pem))| {
                let pair = RsaKeyPair::from_pkcs8(&pem_der(pem)).expect("a valid PKCS#8 RSA key");
                ServiceAccount {
                    email: format!("{name}@{project}.iam.gserviceaccount.com"),
                    key_id: format!("{:040x}", 0x5a4d_b000_u64 + i as u64),
                    client_id: format!("1{:020}", 4_242_000 + i),
                    private_key_pem: pem,
                    public_key: pair.public().as_ref().to_vec(),
                }
            })
            .collect()
    }

    /// The key file Google hands out for the account, pointing at the sandbox's token
    /// endpoint.
    pub fn key_file(&self, project: &str, token_uri: &str) -> Value {
        json!({
            "type": "service_account",
            "project_id": project,
            "private_key_id": self.key_id,
            "private_key": self.private_key_pem,
            "client_email": self.email,
            "client_id": self.client_id,
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        })
    }
}

/// Signs `claims` as `account` would (RS256, with its key id): a JWT for the token
/// endpoint. For tests; the client under test signs its own.
pub fn sign_jwt(account: &ServiceAccount, claims: &Value) -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": account.key_id});
    let signing_input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let pair = RsaKeyPair::from_pkcs8(&pem_der(account.private_key_pem)).expect("a valid key");
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .expect("signing works");
    format!("{signing_input}.{}", b64(&signature))
}
