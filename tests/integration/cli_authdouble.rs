//! A deliberately small stand-in for mock-auth (issue 3), so `setup`/`teardown` can be
//! tested end to end before mock-auth is wired into `MockServer`: TokenRequest issuing
//! JWT-shaped tokens, a bearer authenticator for exactly the tokens it issued, a
//! Role/RoleBinding authorizer (namespaced Roles only, no aggregation, no escalation
//! checks), SelfSubjectAccessReview, SelfSubjectReview, and filling of token Secrets
//! that clients create (not the per-SA legacy Secrets of 1.23). It implements only what
//! the tutorial exercises; the real RBAC and token semantics are mock-auth's.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use mock_apiserver::hooks::{VirtualRequest, VirtualResource};
use mock_apiserver::status::Status;
use mock_apiserver::{
    Authenticator, AuthnOutcome, AuthnRequest, Authorizer, Decision, MockServer, ObjectSource,
    RequestAttributes, UserInfo,
};
use serde_json::{Value, json};

type Issued = Arc<Mutex<HashMap<String, UserInfo>>>;

fn sa_user(ns: &str, name: &str) -> UserInfo {
    UserInfo {
        username: format!("system:serviceaccount:{ns}:{name}"),
        uid: format!("uid-{ns}-{name}"),
        groups: vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{ns}"),
        ],
        extra: Default::default(),
    }
}

/// Signs nothing: a JWT-shaped token the [`Bearer`] authenticator will accept.
fn mint(issued: &Issued, mut claims: Value, ns: &str, name: &str) -> String {
    let mut issued = issued.lock().unwrap();
    claims["jti"] = json!(format!("jti-{}", issued.len()));
    let token = format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"double"}"#),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(format!("sig{}", issued.len()))
    );
    issued.insert(token.clone(), sa_user(ns, name));
    token
}

/// The token controller's Secret half: fills `data.token` of new
/// `kubernetes.io/service-account-token` Secrets with a legacy (non-expiring) token.
fn fill_token_secrets(store: Arc<mock_apiserver::Store>, issued: Issued) {
    let mut rx = store.subscribe();
    std::thread::spawn(move || {
        while let Ok(ev) = rx.blocking_recv() {
            let o = &ev.object;
            let is_new_token_secret = ev.resource == "secrets"
                && matches!(ev.event_type, mock_apiserver::store::EventType::Added)
                && o["type"] == "kubernetes.io/service-account-token"
                && o.pointer("/data/token").is_none();
            let Some(sa) = o
                .pointer("/metadata/annotations/kubernetes.io~1service-account.name")
                .and_then(Value::as_str)
                .filter(|_| is_new_token_secret)
            else {
                continue;
            };
            let (ns, secret) = (
                ev.namespace.clone(),
                o["metadata"]["name"].as_str().unwrap_or("").to_string(),
            );
            let claims = json!({
                "iss": "kubernetes/serviceaccount",
                "kubernetes.io/serviceaccount/namespace": ns,
                "kubernetes.io/serviceaccount/secret.name": secret,
                "kubernetes.io/serviceaccount/service-account.name": sa,
                "sub": format!("system:serviceaccount:{ns}:{sa}"),
            });
            let token = mint(&issued, claims, &ns, sa);
            let mut filled = o.clone();
            filled["data"] =
                json!({"token": base64::engine::general_purpose::STANDARD.encode(token)});
            // A short delay, so clients really have to wait for the controller.
            std::thread::sleep(std::time::Duration::from_millis(300));
            let def = mock_apiserver::registry::find_plural("secrets").expect("secrets are served");
            let opts = mock_apiserver::store::WriteOptions {
                dry_run: false,
                field_manager: "token-controller".into(),
            };
            let _ = store.update(def, &ns, &secret, filled, &opts);
        }
    });
}

struct Tokens {
    issued: Issued,
}

impl VirtualResource for Tokens {
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status> {
        if req
            .objects
            .get_object("serviceaccounts", Some(req.namespace), req.name)
            .is_none()
        {
            return Err(Status::not_found("", "serviceaccounts", req.name));
        }
        let secs = req
            .body
            .pointer("/spec/expirationSeconds")
            .and_then(Value::as_i64)
            .unwrap_or(3600);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let claims = json!({
            "aud": ["https://kubernetes.default.svc.cluster.local"],
            "exp": now + secs, "iat": now, "iss": "https://kubernetes.default.svc.cluster.local",
            "kubernetes.io": {"namespace": req.namespace, "serviceaccount": {"name": req.name, "uid": "u"}},
            "sub": format!("system:serviceaccount:{}:{}", req.namespace, req.name),
        });
        let token = mint(&self.issued, claims, req.namespace, req.name);
        let exp = humantime::format_rfc3339_seconds(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs((now + secs) as u64),
        );
        Ok(json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": req.name, "namespace": req.namespace},
            "spec": {"audiences": ["https://kubernetes.default.svc.cluster.local"], "expirationSeconds": secs},
            "status": {"token": token, "expirationTimestamp": exp.to_string()},
        }))
    }
}

struct Bearer {
    issued: Issued,
}

impl Authenticator for Bearer {
    fn authenticate(&self, req: &AuthnRequest<'_>) -> AuthnOutcome {
        match req.bearer_token() {
            Some(t) => match self.issued.lock().unwrap().get(t) {
                Some(u) => AuthnOutcome::Authenticated(u.clone()),
                None => AuthnOutcome::Rejected("invalid bearer token".into()),
            },
            None => AuthnOutcome::NotApplicable,
        }
    }
}

struct Rbac {
    objects: Arc<dyn ObjectSource>,
}

fn has(list: Option<&Value>, want: &str) -> bool {
    list.and_then(Value::as_array)
        .is_some_and(|a| a.iter().any(|v| v == "*" || v == want))
}

impl Authorizer for Rbac {
    fn authorize(&self, a: &RequestAttributes) -> Decision {
        if a.user.in_group("system:masters") {
            return Decision::Allow;
        }
        if !a.resource_request {
            return if a.verb == "get" {
                Decision::Allow
            } else {
                Decision::NoOpinion
            };
        }
        let review = matches!(
            a.resource.as_str(),
            "selfsubjectaccessreviews" | "selfsubjectrulesreviews" | "selfsubjectreviews"
        );
        if review && a.verb == "create" {
            return Decision::Allow;
        }
        let resource = if a.subresource.is_empty() {
            a.resource.clone()
        } else {
            format!("{}/{}", a.resource, a.subresource)
        };
        for rb in self
            .objects
            .list_objects("rolebindings", Some(&a.namespace))
        {
            let bound = rb["subjects"].as_array().is_some_and(|subs| {
                subs.iter().any(|s| {
                    s["kind"] == "ServiceAccount"
                        && a.user.username
                            == format!(
                                "system:serviceaccount:{}:{}",
                                s["namespace"].as_str().unwrap_or(""),
                                s["name"].as_str().unwrap_or("")
                            )
                })
            });
            if !bound || rb["roleRef"]["kind"] != "Role" {
                continue;
            }
            let role_name = rb["roleRef"]["name"].as_str().unwrap_or("");
            let Some(role) = self
                .objects
                .get_object("roles", Some(&a.namespace), role_name)
            else {
                continue;
            };
            for rule in role["rules"].as_array().into_iter().flatten() {
                let names_ok = rule
                    .get("resourceNames")
                    .and_then(Value::as_array)
                    .is_none_or(|n| n.is_empty() || n.iter().any(|x| x == a.name.as_str()));
                if has(rule.get("verbs"), &a.verb)
                    && has(rule.get("apiGroups"), &a.api_group)
                    && has(rule.get("resources"), &resource)
                    && names_ok
                {
                    return Decision::Allow;
                }
            }
        }
        Decision::NoOpinion
    }
}

struct AccessReview;

impl VirtualResource for AccessReview {
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status> {
        let ra = req
            .body
            .pointer("/spec/resourceAttributes")
            .cloned()
            .unwrap_or(Value::Null);
        let s = |k: &str| ra.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let attrs = RequestAttributes {
            user: req.user.clone(),
            verb: s("verb"),
            resource_request: true,
            namespace: s("namespace"),
            api_group: s("group"),
            api_version: s("version"),
            resource: s("resource"),
            subresource: s("subresource"),
            name: s("name"),
            path: String::new(),
        };
        let allowed = matches!(req.authorizer.authorize(&attrs), Decision::Allow);
        let mut out = req.body.clone();
        out["status"] = json!({"allowed": allowed});
        out["kind"] = json!("SelfSubjectAccessReview");
        out["apiVersion"] = json!("authorization.k8s.io/v1");
        Ok(out)
    }
}

struct WhoAmI;

impl VirtualResource for WhoAmI {
    fn create(&self, req: VirtualRequest<'_>) -> Result<Value, Status> {
        Ok(json!({
            "kind": "SelfSubjectReview", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "status": {"userInfo": {"username": req.user.username, "uid": req.user.uid, "groups": req.user.groups}},
        }))
    }
}

/// A mock-apiserver with this stand-in auth wired in.
pub fn start() -> MockServer {
    let issued: Issued = Arc::default();
    let builder = MockServer::builder();
    let objects = builder.objects().expect("the builder exposes the store");
    fill_token_secrets(
        builder.store().expect("the builder exposes the store"),
        issued.clone(),
    );
    builder
        .authenticator(Arc::new(Bearer {
            issued: issued.clone(),
        }))
        .authorizer(Arc::new(Rbac { objects }))
        .virtual_resource("", "serviceaccounts/token", Arc::new(Tokens { issued }))
        .virtual_resource(
            "authorization.k8s.io",
            "selfsubjectaccessreviews",
            Arc::new(AccessReview),
        )
        .virtual_resource(
            "authentication.k8s.io",
            "selfsubjectreviews",
            Arc::new(WhoAmI),
        )
        .start_blocking()
        .expect("start mock-apiserver")
}
