//! kube-controller-manager's token controller as pure functions
//! (`pkg/controller/serviceaccount/tokens_controller.go`): filling `kubernetes.io/service-account-token`
//! Secrets, deleting those whose ServiceAccount is gone, and the pre-1.24 ("legacy", as in
//! Kubernetes 1.23) auto-created `NAME-token-xxxxx` Secret listed in the SA's `secrets`.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use super::keys::KeyError;
use super::serviceaccount::ServiceAccountTokens;
use crate::api::objects::ObjectSource;

/// Secret type of service-account token Secrets.
pub const SERVICE_ACCOUNT_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// Annotation naming the ServiceAccount.
pub const SA_NAME_ANNOTATION: &str = "kubernetes.io/service-account.name";
/// Annotation holding the ServiceAccount's UID.
pub const SA_UID_ANNOTATION: &str = "kubernetes.io/service-account.uid";
/// The alphabet of generated name suffixes (`apimachinery/pkg/util/rand`: no vowels, no 0/1/3).
pub const NAME_SUFFIX_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// `n` random characters from [`NAME_SUFFIX_ALPHABET`].
pub fn random_suffix(n: usize) -> String {
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(n);
    while out.len() < n {
        let mut b = [0u8; 1];
        if rng.fill(&mut b).is_err() {
            // The system RNG does not fail in practice; fall back to a UUID's randomness.
            b[0] = uuid::Uuid::new_v4().as_bytes()[0];
        }
        // Rejection sampling keeps the distribution uniform (256 = 9*27 + 13).
        if (b[0] as usize) < 27 * 9 {
            out.push(NAME_SUFFIX_ALPHABET[b[0] as usize % 27] as char);
        }
    }
    out
}

/// `names.SimpleNameGenerator.GenerateName(base)`: base cut to 58 bytes plus 5 random characters.
pub fn generate_name(base: &str) -> String {
    let mut cut = base.len().min(58);
    while !base.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{}", &base[..cut], random_suffix(5))
}

fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.pointer("/metadata/annotations")?.get(key)?.as_str()
}

fn meta_str<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.get("metadata")
        .and_then(|m| m.get(key))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// Whether `secret` is a token Secret of `sa` (`IsServiceAccountToken`: type, name annotation,
/// and the UID annotation if present).
pub fn is_token_secret_of(secret: &Value, sa: &Value) -> bool {
    secret.get("type").and_then(Value::as_str) == Some(SERVICE_ACCOUNT_TOKEN_TYPE)
        && annotation(secret, SA_NAME_ANNOTATION) == Some(meta_str(sa, "name"))
        && annotation(secret, SA_UID_ANNOTATION).is_none_or(|u| u == meta_str(sa, "uid"))
}

/// What the controller does with one token Secret.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenSecretAction {
    /// Not a token Secret, or already complete.
    Nothing,
    /// The ServiceAccount is missing (or has another UID): delete the Secret.
    Delete,
    /// PUT this filled Secret (a Conflict or NotFound on the PUT is ignored; retried on the next event).
    Update(Value),
}

/// Reconcile one Secret, as the controller's `syncSecret` does. `ca_pem` is the cluster CA.
pub fn reconcile_token_secret(
    secret: &Value,
    tokens: &ServiceAccountTokens,
    ca_pem: &str,
    source: &dyn ObjectSource,
) -> Result<TokenSecretAction, KeyError> {
    if secret.get("type").and_then(Value::as_str) != Some(SERVICE_ACCOUNT_TOKEN_TYPE) {
        return Ok(TokenSecretAction::Nothing);
    }
    let namespace = meta_str(secret, "namespace");
    let Some(sa_name) = annotation(secret, SA_NAME_ANNOTATION) else {
        return Ok(TokenSecretAction::Nothing);
    };
    let sa = match source.get_object("serviceaccounts", Some(namespace), sa_name) {
        Some(sa) if is_token_secret_of(secret, &sa) => sa,
        _ => return Ok(TokenSecretAction::Delete),
    };
    let data = secret
        .get("data")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let field = |k: &str| {
        data.get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let ca_b64 = STANDARD.encode(ca_pem);
    let needs_ca = !ca_pem.is_empty() && field("ca.crt") != ca_b64;
    let needs_ns = field("namespace").is_empty();
    let needs_token = field("token").is_empty();
    if !needs_ca && !needs_ns && !needs_token {
        return Ok(TokenSecretAction::Nothing);
    }
    let mut updated = secret.clone();
    let mut new_data: Map<String, Value> = data;
    if needs_ca {
        new_data.insert("ca.crt".into(), json!(ca_b64));
    }
    if needs_ns {
        new_data.insert("namespace".into(), json!(STANDARD.encode(namespace)));
    }
    if needs_token {
        // An existing token is never overwritten.
        let token = tokens.mint_legacy(
            namespace,
            sa_name,
            meta_str(&sa, "uid"),
            meta_str(secret, "name"),
        )?;
        new_data.insert("token".into(), json!(STANDARD.encode(token)));
    }
    updated["data"] = super::jwt::sorted(&Value::Object(new_data));
    let meta = updated["metadata"].as_object_mut().map(|m| {
        let ann = m.entry("annotations").or_insert_with(|| json!({}));
        if !ann.is_object() {
            *ann = json!({});
        }
        ann
    });
    if let Some(ann) = meta.and_then(Value::as_object_mut) {
        ann.insert(SA_NAME_ANNOTATION.into(), json!(sa_name));
        ann.insert(SA_UID_ANNOTATION.into(), json!(meta_str(&sa, "uid")));
    }
    Ok(TokenSecretAction::Update(updated))
}

/// Legacy mode (1.23): the token Secret the controller creates for a new ServiceAccount,
/// complete with `ca.crt`, `namespace` and `token`. Create it, then PUT the SA with
/// [`add_secret_reference`].
pub fn legacy_token_secret(
    sa: &Value,
    tokens: &ServiceAccountTokens,
    ca_pem: &str,
) -> Result<Value, KeyError> {
    let namespace = meta_str(sa, "namespace");
    let sa_name = meta_str(sa, "name");
    let sa_uid = meta_str(sa, "uid");
    let name = generate_name(&format!("{sa_name}-token-"));
    let token = tokens.mint_legacy(namespace, sa_name, sa_uid, &name)?;
    let mut data = Map::new();
    if !ca_pem.is_empty() {
        data.insert("ca.crt".into(), json!(STANDARD.encode(ca_pem)));
    }
    data.insert("namespace".into(), json!(STANDARD.encode(namespace)));
    data.insert("token".into(), json!(STANDARD.encode(token)));
    Ok(json!({
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {SA_NAME_ANNOTATION: sa_name, SA_UID_ANNOTATION: sa_uid},
        },
        "data": Value::Object(data),
        "type": SERVICE_ACCOUNT_TOKEN_TYPE,
    }))
}

/// The ServiceAccount with `{"name": secret_name}` appended to `secrets` (if not already there).
pub fn add_secret_reference(sa: &Value, secret_name: &str) -> Value {
    let mut sa = sa.clone();
    let already = sa
        .get("secrets")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter()
                .any(|r| r.get("name").and_then(Value::as_str) == Some(secret_name))
        });
    if !already {
        if !sa.get("secrets").is_some_and(Value::is_array) {
            sa["secrets"] = json!([]);
        }
        if let Some(a) = sa["secrets"].as_array_mut() {
            a.push(json!({"name": secret_name}));
        }
    }
    sa
}

/// On Secret deletion: the ServiceAccount without the reference, or `None` if it had none.
pub fn remove_secret_reference(sa: &Value, secret_name: &str) -> Option<Value> {
    let refs = sa.get("secrets")?.as_array()?;
    if !refs
        .iter()
        .any(|r| r.get("name").and_then(Value::as_str) == Some(secret_name))
    {
        return None;
    }
    let mut sa = sa.clone();
    let kept: Vec<Value> = refs
        .iter()
        .filter(|r| r.get("name").and_then(Value::as_str) != Some(secret_name))
        .cloned()
        .collect();
    sa["secrets"] = Value::Array(kept);
    Some(sa)
}

/// On ServiceAccount deletion: names of the Secrets (in its namespace) to delete.
pub fn token_secrets_to_delete(sa: &Value, secrets_in_namespace: &[Value]) -> Vec<String> {
    secrets_in_namespace
        .iter()
        .filter(|s| is_token_secret_of(s, sa))
        .map(|s| meta_str(s, "name").to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authn::tokens::jwt::{DEFAULT_ISSUER, IssuerConfig, decode_unverified};
    use crate::authn::tokens::keys::{ServiceAccountKeys, SigningKey};
    use crate::authn::tokens::test_source::MemSource;

    const CA: &str = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

    fn tokens() -> ServiceAccountTokens {
        static KEY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let pem = KEY.get_or_init(|| {
            use aws_lc_rs::encoding::AsDer;
            let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                STANDARD.encode(pair.as_der().unwrap().as_ref())
            )
        });
        ServiceAccountTokens::new(
            ServiceAccountKeys::with_key(SigningKey::from_pem(pem, "t").unwrap()),
            IssuerConfig::new(DEFAULT_ISSUER, "https://127.0.0.1:1"),
        )
    }

    fn sa() -> Value {
        json!({"kind": "ServiceAccount", "apiVersion": "v1", "metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "sa-uid"}})
    }

    fn decode(v: &Value) -> String {
        String::from_utf8(STANDARD.decode(v.as_str().unwrap()).unwrap()).unwrap()
    }

    #[test]
    fn suffix_alphabet_and_generated_names() {
        let s = random_suffix(2000);
        assert!(s.bytes().all(|b| NAME_SUFFIX_ALPHABET.contains(&b)));
        // Every character of the alphabet shows up in a long sample, and no vowel or 0/1/3 does.
        assert!(
            NAME_SUFFIX_ALPHABET
                .iter()
                .all(|c| s.as_bytes().contains(c))
        );
        let name = generate_name("bearertokenauth-token-");
        assert_eq!(name.len(), "bearertokenauth-token-".len() + 5);
        assert!(name.starts_with("bearertokenauth-token-"));
        assert_eq!(generate_name(&"a".repeat(70)).len(), 63);
    }

    #[test]
    fn legacy_mode_secret_and_sa_reference() {
        let t = tokens();
        let secret = legacy_token_secret(&sa(), &t, CA).unwrap();
        let name = secret["metadata"]["name"].as_str().unwrap();
        assert!(
            name.starts_with("bearertokenauth-token-") && name.len() == 27,
            "{name}"
        );
        assert_eq!(secret["type"], SERVICE_ACCOUNT_TOKEN_TYPE);
        assert_eq!(
            secret["metadata"]["annotations"],
            json!({SA_NAME_ANNOTATION: "bearertokenauth", SA_UID_ANNOTATION: "sa-uid"})
        );
        let keys: Vec<&String> = secret["data"].as_object().unwrap().keys().collect();
        assert_eq!(keys, ["ca.crt", "namespace", "token"]);
        assert_eq!(decode(&secret["data"]["ca.crt"]), CA);
        assert_eq!(decode(&secret["data"]["namespace"]), "default");
        let token = decode(&secret["data"]["token"]);
        let (_, claims) = decode_unverified(&token).unwrap();
        assert_eq!(claims["kubernetes.io/serviceaccount/secret.name"], name);
        // The token authenticates against a store holding the SA (listing the Secret) and the Secret.
        let with_ref = add_secret_reference(&sa(), name);
        assert_eq!(with_ref["secrets"], json!([{"name": name}]));
        assert_eq!(
            add_secret_reference(&with_ref, name)["secrets"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        let s = MemSource::new();
        s.put("serviceaccounts", with_ref.clone());
        s.put("secrets", secret.clone());
        let (user, v) = t.authenticate(&token, None, 0, &s).unwrap();
        assert_eq!(
            user.username,
            "system:serviceaccount:default:bearertokenauth"
        );
        assert!(v.legacy_secret.unwrap().auto_generated);
        // Removing the Secret removes the reference.
        assert_eq!(
            remove_secret_reference(&with_ref, name).unwrap()["secrets"],
            json!([])
        );
        assert!(remove_secret_reference(&sa(), name).is_none());
    }

    #[test]
    fn controller_fills_token_secret_once() {
        let t = tokens();
        let s = MemSource::new();
        s.put("serviceaccounts", sa());
        let secret = json!({"kind": "Secret", "apiVersion": "v1", "type": SERVICE_ACCOUNT_TOKEN_TYPE,
            "metadata": {"name": "bearertokenauth-token", "namespace": "default", "annotations": {SA_NAME_ANNOTATION: "bearertokenauth"}}});
        let TokenSecretAction::Update(filled) =
            reconcile_token_secret(&secret, &t, CA, &s).unwrap()
        else {
            panic!("expected update")
        };
        assert_eq!(
            filled["metadata"]["annotations"][SA_UID_ANNOTATION],
            "sa-uid"
        );
        assert_eq!(decode(&filled["data"]["namespace"]), "default");
        assert_eq!(decode(&filled["data"]["ca.crt"]), CA);
        let token = decode(&filled["data"]["token"]);
        s.put("secrets", filled.clone());
        assert!(t.authenticate(&token, None, 0, &s).is_ok());
        // Already complete: nothing to do; an existing token is never replaced.
        assert_eq!(
            reconcile_token_secret(&filled, &t, CA, &s).unwrap(),
            TokenSecretAction::Nothing
        );
        let TokenSecretAction::Update(reca) =
            reconcile_token_secret(&filled, &t, "other CA", &s).unwrap()
        else {
            panic!()
        };
        assert_eq!(decode(&reca["data"]["token"]), token);
        // Opaque secrets are ignored.
        assert_eq!(
            reconcile_token_secret(
                &json!({"type": "Opaque", "metadata": {"name": "x"}}),
                &t,
                CA,
                &s
            )
            .unwrap(),
            TokenSecretAction::Nothing
        );
    }

    #[test]
    fn controller_deletes_secrets_of_missing_or_recreated_sa() {
        let t = tokens();
        let s = MemSource::new();
        let secret = json!({"type": SERVICE_ACCOUNT_TOKEN_TYPE,
            "metadata": {"name": "x-token", "namespace": "default", "annotations": {SA_NAME_ANNOTATION: "bearertokenauth", SA_UID_ANNOTATION: "sa-uid"}}});
        assert_eq!(
            reconcile_token_secret(&secret, &t, CA, &s).unwrap(),
            TokenSecretAction::Delete
        );
        s.put("serviceaccounts", json!({"metadata": {"name": "bearertokenauth", "namespace": "default", "uid": "other"}}));
        assert_eq!(
            reconcile_token_secret(&secret, &t, CA, &s).unwrap(),
            TokenSecretAction::Delete
        );
        // SA deletion: its token secrets (by name + uid annotation) go.
        let unrelated = json!({"type": "Opaque", "metadata": {"name": "o", "annotations": {SA_NAME_ANNOTATION: "bearertokenauth"}}});
        let other_uid = json!({"type": SERVICE_ACCOUNT_TOKEN_TYPE, "metadata": {"name": "old", "annotations": {SA_NAME_ANNOTATION: "bearertokenauth", SA_UID_ANNOTATION: "old-uid"}}});
        assert_eq!(
            token_secrets_to_delete(&sa(), &[secret, unrelated, other_uid]),
            ["x-token"]
        );
    }
}
