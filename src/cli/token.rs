//! `rawkube token decode [TOKEN|-]`: what a ServiceAccount token says about itself.

use std::io::Read;
use std::time::SystemTime;

use clap::{Args, Subcommand};
use rawkube::jwt::{self, Jwt, TokenKind};
use serde_json::Value;

use super::CliError;
use super::globals::GlobalArgs;
use super::print::typed_json;

/// `rawkube token` subcommands.
// Not deferred (see `cli::Command`): decode's TOKEN argument has the id `token`, as the global
// --token does. clap leaves a global out of a subcommand that has an argument with its id, but
// it propagates globals before it builds a deferred subcommand's arguments, so it would add both.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Decode (without verifying) a token: header, claims, audience, expiry, bound vs legacy.
    #[command(after_help = "Examples:
  rawkube token decode eyJhbGciOiJSUzI1NiIs...
  rawkube create token bearertokenauth | rawkube token decode -
  rawkube get secret bearertokenauth-token-abcde -o jsonpath='{.data.token}' | base64 -d | rawkube token decode")]
    Decode(DecodeArgs),
}

// `token decode` arguments.
#[derive(Args, Debug)]
pub struct DecodeArgs {
    /// The token; `-` or nothing reads it from stdin.
    pub token: Option<String>,
}

/// Runs one `token` subcommand.
pub fn run(_g: &GlobalArgs, cmd: TokenCommand) -> Result<(), CliError> {
    match cmd {
        TokenCommand::Decode(a) => {
            let token = match a.token.as_deref() {
                None | Some("-") => {
                    let mut s = String::new();
                    std::io::stdin().read_to_string(&mut s).map_err(|e| {
                        CliError::msg(format!("cannot read the token from stdin: {e}"))
                    })?;
                    s
                }
                Some(t) => t.to_string(),
            };
            let jwt = jwt::decode(&token).map_err(|e| CliError::msg(e.to_string()))?;
            print!("{}", describe(&jwt, SystemTime::now()));
            Ok(())
        }
    }
}

/// The human-readable report: kind, subject, audience, expiry, then header and claims.
pub fn describe(jwt: &Jwt, now: SystemTime) -> String {
    let mut out = String::new();
    let kind = match jwt.kind() {
        TokenKind::Bound {
            namespace,
            service_account,
            bound_to,
        } => {
            let mut s = format!(
                "bound ServiceAccount token (TokenRequest) for {namespace}/{service_account}"
            );
            if let Some(b) = bound_to {
                s.push_str(&format!(", bound to {b}"));
            }
            s
        }
        TokenKind::Legacy {
            namespace,
            service_account,
            secret,
        } => format!(
            "legacy ServiceAccount token from Secret {namespace}/{secret} for {namespace}/{service_account}"
        ),
        TokenKind::Other => "not a ServiceAccount token".to_string(),
    };
    out.push_str(&format!("Kind:      {kind}\n"));
    if let Some(sub) = jwt.subject() {
        out.push_str(&format!("Subject:   {sub}\n"));
    }
    if let Some(iss) = jwt.issuer() {
        out.push_str(&format!("Issuer:    {iss}\n"));
    }
    let aud = jwt.audiences();
    out.push_str(&format!(
        "Audience:  {}\n",
        if aud.is_empty() {
            "(none)".to_string()
        } else {
            aud.join(", ")
        }
    ));
    if let Some(iat) = jwt.issued_at() {
        out.push_str(&format!(
            "Issued:    {}\n",
            humantime::format_rfc3339_seconds(iat)
        ));
    }
    out.push_str(&format!("Expiry:    {}\n", jwt.describe_expiry(now)));
    out.push_str(&format!(
        "Header:\n{}",
        typed_json(&Value::Object(jwt.header.clone()))
    ));
    out.push_str(&format!(
        "Claims:\n{}",
        typed_json(&Value::Object(jwt.claims.clone()))
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn token(claims: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"k"}"#);
        format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(claims))
    }

    #[test]
    fn bound_token_report_names_the_sa_and_time_left() {
        let t = token(
            r#"{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":1800003600,"iat":1800000000,"iss":"https://kubernetes.default.svc.cluster.local","kubernetes.io":{"namespace":"default","serviceaccount":{"name":"bearertokenauth","uid":"u"}},"sub":"system:serviceaccount:default:bearertokenauth"}"#,
        );
        let now = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let out = describe(&jwt::decode(&t).unwrap(), now);
        assert!(
            out.contains(
                "Kind:      bound ServiceAccount token (TokenRequest) for default/bearertokenauth\n"
            ),
            "{out}"
        );
        assert!(
            out.contains("Audience:  https://kubernetes.default.svc.cluster.local\n"),
            "{out}"
        );
        assert!(out.contains("Expiry:    expires in 1h"), "{out}");
    }

    #[test]
    fn legacy_token_report_names_the_secret_and_never_expires() {
        let t = token(
            r#"{"iss":"kubernetes/serviceaccount","kubernetes.io/serviceaccount/namespace":"default","kubernetes.io/serviceaccount/secret.name":"bearertokenauth-token-fvmmd","kubernetes.io/serviceaccount/service-account.name":"bearertokenauth","sub":"system:serviceaccount:default:bearertokenauth"}"#,
        );
        let out = describe(&jwt::decode(&t).unwrap(), SystemTime::now());
        assert!(
            out.contains(
                "legacy ServiceAccount token from Secret default/bearertokenauth-token-fvmmd"
            ),
            "{out}"
        );
        assert!(out.contains("Expiry:    never expires\n"), "{out}");
    }
}
