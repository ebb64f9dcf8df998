//! The service-account signing key: RS256, generated once per process on first use (RSA key
//! generation takes tens of milliseconds, too slow for every server start) or loaded from a PEM
//! file as with `--service-account-key-file`.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeyPair, KeySize, PublicKeyComponents};
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// Why a signing key could not be made, loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The key file could not be read.
    #[error("--service-account-key-file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file holds no PEM block this server can sign with.
    #[error(
        "{origin}: no \"PRIVATE KEY\" or \"RSA PRIVATE KEY\" PEM block found (an RSA private key is needed to sign tokens)"
    )]
    NoPrivateKey {
        /// Where the PEM came from (a path or `PEM input`).
        origin: String,
    },
    /// A PEM block's body is not valid base64.
    #[error("{origin}: PEM block \"{label}\" is not valid base64")]
    PemBase64 {
        /// Where the PEM came from.
        origin: String,
        /// The PEM label.
        label: String,
    },
    /// The DER inside the PEM is not an RSA private key aws-lc accepts (2048..8192 bits).
    #[error("{origin}: PEM block \"{label}\" is not an acceptable RSA private key: {reason}")]
    Rejected {
        /// Where the PEM came from.
        origin: String,
        /// The PEM label.
        label: String,
        /// aws-lc's reason.
        reason: String,
    },
    /// Key generation failed.
    #[error("RSA key generation failed")]
    Generate,
    /// Signing failed (should not happen with a valid key).
    #[error("RS256 signing failed")]
    Sign,
}

/// An RSA key pair with its key id, as kube-apiserver derives it.
pub struct SigningKey {
    pair: KeyPair,
    kid: String,
    /// PKCS#1 RSAPublicKey DER, the form aws-lc's verifier takes.
    public_pkcs1: Vec<u8>,
    n: Vec<u8>,
    e: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    // The private key must never reach logs; the kid is public.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn strip_leading_zeros(b: &[u8]) -> Vec<u8> {
    let start = b
        .iter()
        .position(|x| *x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    b[start..].to_vec()
}

impl SigningKey {
    fn from_pair(pair: KeyPair) -> Result<Self, KeyError> {
        let public = pair.public_key();
        // kid = base64url(SHA-256(DER PKIX public key)), `keyIDFromPublicKey` in pkg/serviceaccount/jwt.go.
        let spki = public.as_der().map_err(|_| KeyError::Generate)?;
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki.as_ref());
        let kid = URL_SAFE_NO_PAD.encode(digest.as_ref());
        let comps = PublicKeyComponents::<Vec<u8>>::from(public);
        Ok(SigningKey {
            kid,
            public_pkcs1: public.as_ref().to_vec(),
            n: strip_leading_zeros(&comps.n),
            e: strip_leading_zeros(&comps.e),
            pair,
        })
    }

    /// A fresh 2048-bit RSA key (the size kubeadm uses for `sa.key`).
    pub fn generate() -> Result<Self, KeyError> {
        let pair = KeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Generate)?;
        Self::from_pair(pair)
    }

    /// Load from PEM text holding a `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1) block;
    /// other blocks (e.g. a public key or certificate in the same file) are skipped.
    pub fn from_pem(pem: &str, origin: &str) -> Result<Self, KeyError> {
        for (label, body) in pem_blocks(pem) {
            if label != "PRIVATE KEY" && label != "RSA PRIVATE KEY" {
                continue;
            }
            let der = STANDARD
                .decode(body.as_bytes())
                .map_err(|_| KeyError::PemBase64 {
                    origin: origin.to_string(),
                    label: label.clone(),
                })?;
            let pair = if label == "PRIVATE KEY" {
                KeyPair::from_pkcs8(&der)
            } else {
                KeyPair::from_der(&der)
            }
            .map_err(|e| KeyError::Rejected {
                origin: origin.to_string(),
                label: label.clone(),
                reason: e.to_string(),
            })?;
            return Self::from_pair(pair);
        }
        Err(KeyError::NoPrivateKey {
            origin: origin.to_string(),
        })
    }

    /// Load from a PEM file (`--service-account-key-file`).
    pub fn from_pem_file(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_pem(&text, &path.display().to_string())
    }

    /// The key id put in every token header and in the JWKS.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `msg`.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut sig = vec![0u8; self.pair.public_modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                msg,
                &mut sig,
            )
            .map_err(|_| KeyError::Sign)?;
        Ok(sig)
    }

    /// Whether `sig` is a valid RS256 signature of `msg` by this key.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.public_pkcs1)
            .verify(msg, sig)
            .is_ok()
    }

    /// This key as a JWK, in go-jose's field order (`use, kty, kid, alg, n, e`).
    pub fn jwk(&self) -> Value {
        json!({
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(&self.n),
            "e": URL_SAFE_NO_PAD.encode(&self.e),
        })
    }
}

/// `(label, base64 body without whitespace)` for each `-----BEGIN X-----` block.
fn pem_blocks(pem: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in pem.lines() {
        let line = line.trim();
        if let Some(label) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            current = Some((label.to_string(), String::new()));
        } else if line.starts_with("-----END ") {
            if let Some(block) = current.take() {
                out.push(block);
            }
        } else if let Some((_, body)) = current.as_mut() {
            body.push_str(line);
        }
    }
    out
}

/// Where the process's signing key comes from; generation is deferred to first use.
pub struct ServiceAccountKeys {
    cell: OnceLock<SigningKey>,
    init: Mutex<()>,
}

impl std::fmt::Debug for ServiceAccountKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServiceAccountKeys")
            .field("key", &self.cell.get())
            .finish()
    }
}

impl ServiceAccountKeys {
    /// A key generated on first use (first token minted or verified, or first JWKS request).
    pub fn lazy() -> Self {
        ServiceAccountKeys {
            cell: OnceLock::new(),
            init: Mutex::new(()),
        }
    }

    /// A key loaded now from `--service-account-key-file`, so a bad file fails start-up.
    pub fn from_pem_file(path: &Path) -> Result<Self, KeyError> {
        Ok(Self::with_key(SigningKey::from_pem_file(path)?))
    }

    /// Use a given key.
    pub fn with_key(key: SigningKey) -> Self {
        let cell = OnceLock::new();
        let _ = cell.set(key);
        ServiceAccountKeys {
            cell,
            init: Mutex::new(()),
        }
    }

    /// The key, generating it if this is the first use.
    pub fn get(&self) -> Result<&SigningKey, KeyError> {
        if let Some(k) = self.cell.get() {
            return Ok(k);
        }
        // Serialise generation so two first requests do not both pay for it.
        let _guard = self.init.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = self.cell.get() {
            return Ok(k);
        }
        let key = SigningKey::generate()?;
        let _ = self.cell.set(key);
        self.cell.get().ok_or(KeyError::Generate)
    }

    /// Whether the key exists yet (for start-up-time tests).
    pub fn is_initialised(&self) -> bool {
        self.cell.get().is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key() -> &'static SigningKey {
        static KEY: OnceLock<SigningKey> = OnceLock::new();
        KEY.get_or_init(|| SigningKey::generate().expect("keygen"))
    }

    #[test]
    fn kid_is_sha256_of_spki_base64url() {
        let k = test_key();
        let spki = k.pair.public_key().as_der().unwrap();
        let d = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, spki.as_ref());
        assert_eq!(k.kid(), URL_SAFE_NO_PAD.encode(d.as_ref()));
        assert_eq!(k.kid().len(), 43);
    }

    #[test]
    fn sign_verify_roundtrip_and_tamper() {
        let k = test_key();
        let sig = k.sign(b"hello").unwrap();
        assert!(k.verify(b"hello", &sig));
        assert!(!k.verify(b"hellp", &sig));
    }

    #[test]
    fn pem_pkcs8_roundtrip_keeps_kid() {
        let k = test_key();
        let der = k.pair.as_der().unwrap();
        let b64 = STANDARD.encode(der.as_ref());
        let mut pem = String::from(
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n",
        );
        for chunk in b64.as_bytes().chunks(64) {
            pem.push_str(std::str::from_utf8(chunk).unwrap());
            pem.push('\n');
        }
        pem.push_str("-----END PRIVATE KEY-----\n");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sa.key");
        std::fs::write(&path, &pem).unwrap();
        let keys = ServiceAccountKeys::from_pem_file(&path).unwrap();
        assert_eq!(keys.get().unwrap().kid(), k.kid());
    }

    /// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 `PrivateKeyInfo` (its last field, an OCTET STRING).
    fn pkcs1_from_pkcs8(der: &[u8]) -> Vec<u8> {
        // Returns (header length, content length) of the DER element at `d`.
        fn tl(d: &[u8]) -> (usize, usize) {
            if d[1] < 0x80 {
                (2, d[1] as usize)
            } else {
                let n = (d[1] & 0x7f) as usize;
                (
                    2 + n,
                    d[2..2 + n].iter().fold(0, |a, b| (a << 8) | *b as usize),
                )
            }
        }
        let (h, _) = tl(der);
        let mut rest = &der[h..];
        loop {
            let (h, l) = tl(rest);
            if rest[0] == 0x04 {
                return rest[h..h + l].to_vec();
            }
            rest = &rest[h + l..];
        }
    }

    #[test]
    fn pem_pkcs1_rsa_private_key_loads() {
        let k = test_key();
        let pkcs1 = pkcs1_from_pkcs8(k.pair.as_der().unwrap().as_ref());
        let pem = format!(
            "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----\n",
            STANDARD.encode(&pkcs1)
        );
        let loaded = SigningKey::from_pem(&pem, "kind sa.key").unwrap();
        assert_eq!(loaded.kid(), k.kid());
        let sig = loaded.sign(b"m").unwrap();
        assert!(k.verify(b"m", &sig));
    }

    #[test]
    fn pem_errors_are_typed() {
        assert!(matches!(
            SigningKey::from_pem("nothing", "x"),
            Err(KeyError::NoPrivateKey { .. })
        ));
        assert!(matches!(
            SigningKey::from_pem(
                "-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n",
                "x"
            ),
            Err(KeyError::PemBase64 { .. })
        ));
        assert!(matches!(
            SigningKey::from_pem(
                "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n",
                "x"
            ),
            Err(KeyError::Rejected { .. })
        ));
        let err = ServiceAccountKeys::from_pem_file(Path::new("/nonexistent/sa.key")).unwrap_err();
        assert!(err.to_string().contains("/nonexistent/sa.key"), "{err}");
    }

    #[test]
    fn lazy_keys_generate_once() {
        let keys = ServiceAccountKeys::lazy();
        assert!(!keys.is_initialised());
        let a = keys.get().unwrap().kid().to_string();
        assert!(keys.is_initialised());
        assert_eq!(keys.get().unwrap().kid(), a);
    }

    #[test]
    fn jwk_shape() {
        let k = test_key();
        let j = k.jwk();
        let keys: Vec<_> = j.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["use", "kty", "kid", "alg", "n", "e"]);
        assert_eq!(j["e"], "AQAB");
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(j["n"].as_str().unwrap())
                .unwrap()
                .len(),
            256
        );
        assert!(!format!("{k:?}").contains(&*j["n"].as_str().unwrap()[..20].to_string()));
    }
}
