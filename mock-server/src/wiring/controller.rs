//! The token controller, run beside the server (never on the request path): it fills token
//! Secrets, deletes them with their ServiceAccount, drops references to deleted Secrets and, in
//! legacy mode, gives every ServiceAccount a `NAME-token-xxxxx` Secret, as kube-controller-manager
//! does. Clients therefore see the results a moment later and must poll or watch.

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::{broadcast, watch};

use crate::api::managed_fields::KUBE_CONTROLLER_MANAGER;
use crate::api::objects::ObjectSource;
use crate::api::registry::{self, ResourceDef};
use crate::authn::tokens::BearerAuthenticator;
use crate::authn::tokens::token_controller::{
    SA_NAME_ANNOTATION, SA_UID_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, TokenSecretAction,
    add_secret_reference, is_token_secret_of, legacy_token_secret, reconcile_token_secret,
    remove_secret_reference, token_secrets_to_delete,
};
use crate::store::{DeleteOptions, EventType, Store, WatchEvent, WriteOptions};

fn def(plural: &str) -> Option<&'static ResourceDef> {
    registry::find_plural(plural)
}

fn meta<'a>(obj: &'a Value, key: &str) -> &'a str {
    obj.pointer(&format!("/metadata/{key}"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// The controller's state: the store it writes and the token machinery.
pub struct TokenController {
    store: Arc<Store>,
    bearer: Arc<BearerAuthenticator>,
    legacy: bool,
}

impl TokenController {
    /// A controller over `store`; `legacy` turns on the 1.23 auto-created token Secrets.
    pub fn new(store: Arc<Store>, bearer: Arc<BearerAuthenticator>, legacy: bool) -> Self {
        TokenController {
            store,
            bearer,
            legacy,
        }
    }

    /// Reconciles everything (at start, and after missing events).
    pub fn resync(&self) {
        if self.legacy {
            for sa in self.store.list_objects("serviceaccounts", None) {
                self.ensure_legacy_secret(&sa);
            }
        }
        for secret in self.store.list_objects("secrets", None) {
            self.reconcile_secret(&secret);
        }
    }

    /// Reacts to one store change.
    pub fn handle(&self, e: &WatchEvent) {
        match (e.resource, e.event_type) {
            ("secrets", EventType::Added | EventType::Modified) => self.reconcile_secret(&e.object),
            ("secrets", EventType::Deleted) => self.secret_deleted(&e.object),
            ("serviceaccounts", EventType::Deleted) => self.service_account_deleted(&e.object),
            ("serviceaccounts", _) if self.legacy => self.ensure_legacy_secret(&e.object),
            _ => {}
        }
    }

    fn reconcile_secret(&self, secret: &Value) {
        let Some(secrets) = def("secrets") else {
            return;
        };
        let action = match reconcile_token_secret(
            secret,
            &self.bearer.service_accounts,
            self.store.ca_pem(),
            self.store.as_ref(),
        ) {
            Ok(a) => a,
            Err(e) => {
                tracing::error!(error = %e, "token controller cannot sign");
                return;
            }
        };
        let (ns, name) = (meta(secret, "namespace"), meta(secret, "name"));
        // Conflicts and NotFound are expected races; the next event retries.
        let result = match action {
            TokenSecretAction::Nothing => Ok(()),
            TokenSecretAction::Delete => self
                .store
                .delete(secrets, ns, name, &DeleteOptions::default())
                .map(|_| ()),
            TokenSecretAction::Update(filled) => self
                .store
                .update(
                    secrets,
                    ns,
                    name,
                    filled,
                    &WriteOptions::by(KUBE_CONTROLLER_MANAGER),
                )
                .map(|_| ()),
        };
        if let Err(e) = result {
            tracing::debug!(namespace = ns, name, error = %e.message, "token controller write skipped");
        }
    }

    fn secret_deleted(&self, secret: &Value) {
        if secret.get("type").and_then(Value::as_str) != Some(SERVICE_ACCOUNT_TOKEN_TYPE) {
            return;
        }
        let Some(sa_name) = secret
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(SA_NAME_ANNOTATION))
            .and_then(Value::as_str)
        else {
            return;
        };
        let (Some(sas), ns, secret_name) = (
            def("serviceaccounts"),
            meta(secret, "namespace"),
            meta(secret, "name"),
        ) else {
            return;
        };
        let result = self.store.patch(
            sas,
            ns,
            sa_name,
            |sa| Ok(remove_secret_reference(sa, secret_name).unwrap_or_else(|| sa.clone())),
            &WriteOptions::by(KUBE_CONTROLLER_MANAGER),
        );
        if let Err(e) = result {
            tracing::debug!(error = %e.message, "removing a secret reference skipped");
        }
    }

    fn service_account_deleted(&self, sa: &Value) {
        let Some(secrets) = def("secrets") else {
            return;
        };
        let ns = meta(sa, "namespace");
        let mut in_ns = self.store.list_objects("secrets", Some(ns));
        // Created again since (its own thread lets the controller fall behind the API, as
        // kube-controller-manager can): a Secret that names no uid yet belongs to the new
        // ServiceAccount, whose reconcile fills it. kube's controller, rarely that far behind,
        // would delete it; here a client that deletes and re-creates at once must not lose it.
        let recreated = self
            .store
            .get_object("serviceaccounts", Some(ns), meta(sa, "name"))
            .is_some_and(|now| meta(&now, "uid") != meta(sa, "uid"));
        if recreated {
            in_ns.retain(|secret| {
                secret
                    .pointer("/metadata/annotations")
                    .and_then(|a| a.get(SA_UID_ANNOTATION))
                    .and_then(Value::as_str)
                    .is_some_and(|uid| !uid.is_empty())
            });
        }
        for name in token_secrets_to_delete(sa, &in_ns) {
            if let Err(e) = self
                .store
                .delete(secrets, ns, &name, &DeleteOptions::default())
            {
                tracing::debug!(error = %e.message, "deleting a token secret skipped");
            }
        }
    }

    /// Legacy mode: create the SA's token Secret unless it references one that exists.
    fn ensure_legacy_secret(&self, event_sa: &Value) {
        let (Some(secrets), Some(sas)) = (def("secrets"), def("serviceaccounts")) else {
            return;
        };
        // Events may be stale (our own reference may already be there): decide on the
        // current object, so one ServiceAccount never gets two Secrets.
        let Some(current) = self.store.get_object(
            "serviceaccounts",
            Some(meta(event_sa, "namespace")),
            meta(event_sa, "name"),
        ) else {
            return;
        };
        let sa = &current;
        if !meta(sa, "deletionTimestamp").is_empty() {
            return;
        }
        let ns = meta(sa, "namespace");
        let has_token = sa
            .get("secrets")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|r| r.get("name").and_then(Value::as_str))
            .filter_map(|n| self.store.get_object("secrets", Some(ns), n))
            .any(|s| is_token_secret_of(&s, sa));
        if has_token {
            return;
        }
        let secret =
            match legacy_token_secret(sa, &self.bearer.service_accounts, self.store.ca_pem()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "token controller cannot sign");
                    return;
                }
            };
        let created = match self.store.create(
            secrets,
            ns,
            secret,
            &WriteOptions::by(KUBE_CONTROLLER_MANAGER),
        ) {
            Ok(c) => c,
            Err(e) => {
                tracing::debug!(error = %e.message, "creating a legacy token secret skipped");
                return;
            }
        };
        let secret_name = meta(&created, "name").to_string();
        let sa_uid = meta(sa, "uid").to_string();
        let result = self.store.patch(
            sas,
            ns,
            meta(sa, "name"),
            |current| {
                if meta(current, "uid") != sa_uid {
                    return Err(crate::api::status::Status::conflict_modified(
                        "",
                        "serviceaccounts",
                        meta(current, "name"),
                    ));
                }
                Ok(add_secret_reference(current, &secret_name))
            },
            &WriteOptions::by(KUBE_CONTROLLER_MANAGER),
        );
        if let Err(e) = result {
            // The SA went away meanwhile: its Secret goes too (next reconcile deletes it).
            tracing::debug!(error = %e.message, "referencing a legacy token secret skipped");
        }
    }
}

/// Runs the controller until `shutdown` turns true. `rx` must be subscribed before the call so
/// no change between subscribing and the initial resync is missed.
pub async fn run(
    store: Arc<Store>,
    bearer: Arc<BearerAuthenticator>,
    legacy: bool,
    mut rx: broadcast::Receiver<WatchEvent>,
    mut shutdown: watch::Receiver<bool>,
) {
    let c = TokenController::new(store, bearer, legacy);
    c.resync();
    loop {
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
            }
            ev = rx.recv() => match ev {
                Ok(e) => c.handle(&e),
                Err(broadcast::error::RecvError::Lagged(_)) => c.resync(),
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authn::tokens::jwt::{DEFAULT_ISSUER, IssuerConfig};
    use crate::authn::tokens::keys::ServiceAccountKeys;
    use crate::authn::tokens::serviceaccount::ServiceAccountTokens;
    use serde_json::json;

    fn controller(legacy: bool) -> (TokenController, Arc<Store>) {
        let store = Arc::new(Store::new("CA PEM"));
        let bearer = Arc::new(BearerAuthenticator {
            token_file: None,
            service_accounts: ServiceAccountTokens::new(
                ServiceAccountKeys::lazy(),
                IssuerConfig::new(DEFAULT_ISSUER, "https://127.0.0.1:6443"),
            ),
        });
        (TokenController::new(store.clone(), bearer, legacy), store)
    }

    fn event(event_type: EventType, resource: &'static str, object: &Value) -> WatchEvent {
        WatchEvent {
            event_type,
            resource,
            namespace: "default".into(),
            object: object.clone(),
            resource_version: 0,
        }
    }

    fn token_secrets(store: &Store) -> Vec<Value> {
        store
            .list_objects("secrets", Some("default"))
            .into_iter()
            .filter(|s| s["type"] == SERVICE_ACCOUNT_TOKEN_TYPE)
            .collect()
    }

    #[test]
    fn legacy_mode_makes_one_secret_per_service_account_even_for_stale_events() {
        let (c, store) = controller(true);
        let sa = store
            .create(
                def("serviceaccounts").unwrap(),
                "default",
                json!({"metadata": {"name": "a"}}),
                &WriteOptions::default(),
            )
            .unwrap();
        c.handle(&event(EventType::Added, "serviceaccounts", &sa));
        // The same (now stale) ADDED object again, as after a lagged watch.
        c.handle(&event(EventType::Added, "serviceaccounts", &sa));
        let secrets = token_secrets(&store);
        assert_eq!(secrets.len(), 1, "{secrets:?}");
        let name = meta(&secrets[0], "name");
        assert!(name.starts_with("a-token-"), "{name}");
        let current = store
            .get_object("serviceaccounts", Some("default"), "a")
            .unwrap();
        assert_eq!(current["secrets"], json!([{"name": name}]));
        // Deleting the ServiceAccount deletes its Secret.
        c.handle(&event(EventType::Deleted, "serviceaccounts", &current));
        assert!(token_secrets(&store).is_empty());
    }

    /// The controller handles a ServiceAccount's deletion only after the client created it
    /// again and gave it a new token Secret: that Secret (no uid yet) stays; one naming the
    /// old uid goes.
    #[test]
    fn a_late_deletion_spares_the_secret_of_the_account_created_again() {
        let (c, store) = controller(false);
        let (sas, secrets) = (def("serviceaccounts").unwrap(), def("secrets").unwrap());
        let create = |d, obj: Value| {
            store
                .create(d, "default", obj, &WriteOptions::default())
                .unwrap()
        };
        let old = create(sas, json!({"metadata": {"name": "a"}}));
        store
            .delete(sas, "default", "a", &DeleteOptions::default())
            .unwrap();
        create(sas, json!({"metadata": {"name": "a"}}));
        let token = |name: &str, uid: Option<&str>| {
            let mut ann = json!({SA_NAME_ANNOTATION: "a"});
            if let Some(uid) = uid {
                ann[SA_UID_ANNOTATION] = json!(uid);
            }
            json!({"metadata": {"name": name, "annotations": ann}, "type": SERVICE_ACCOUNT_TOKEN_TYPE})
        };
        create(secrets, token("new", None));
        create(secrets, token("old", Some(meta(&old, "uid"))));
        c.handle(&event(EventType::Deleted, "serviceaccounts", &old));
        let left: Vec<_> = token_secrets(&store)
            .iter()
            .map(|s| meta(s, "name").to_string())
            .collect();
        assert_eq!(left, ["new"]);
    }

    #[test]
    fn default_mode_fills_annotated_secrets_and_creates_none() {
        let (c, store) = controller(false);
        let sa = store
            .create(
                def("serviceaccounts").unwrap(),
                "default",
                json!({"metadata": {"name": "a"}}),
                &WriteOptions::default(),
            )
            .unwrap();
        c.handle(&event(EventType::Added, "serviceaccounts", &sa));
        assert!(token_secrets(&store).is_empty());
        let secret = store
            .create(
                def("secrets").unwrap(),
                "default",
                json!({"metadata": {"name": "t", "annotations": {SA_NAME_ANNOTATION: "a"}}, "type": SERVICE_ACCOUNT_TOKEN_TYPE}),
                &WriteOptions::default(),
            )
            .unwrap();
        c.handle(&event(EventType::Added, "secrets", &secret));
        let filled = store.get_object("secrets", Some("default"), "t").unwrap();
        assert!(filled["data"]["token"].is_string(), "{filled}");
        assert_eq!(filled["data"]["namespace"], "ZGVmYXVsdA==");
    }
}
