//! The RBAC authorizer over the live store, and the rule listing behind SelfSubjectRulesReview.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

use super::policy::{PolicyCache, RBAC_RESOURCES};
use super::resolve::{SourcedRule, aggregate, rules_for};
use super::rules::rule_allows;
use crate::api::objects::ObjectSource;
use crate::authn::identity::{RequestAttributes, UserInfo};
use crate::authz::{Authorizer, Decision};

/// The group kube-apiserver's privileged-group authorizer lets through before RBAC.
pub const SYSTEM_MASTERS: &str = "system:masters";

/// An RBAC decision with the reason text the real authorizer gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// Allowed or not.
    pub allowed: bool,
    /// `RBAC: allowed by ...` on allow; on a miss `""`, or `RBAC: <resolution errors>`.
    pub reason: String,
}

/// RBAC over Roles, ClusterRoles, RoleBindings and ClusterRoleBindings read from the store, so
/// changes take effect on the next request. Decisions, and each user's rules per namespace,
/// are remembered while those four resources stay unchanged
/// ([`ObjectSource::generation_of`]): a write to any of them forgets them all. The objects
/// themselves are read decoded, once per change (see [`policy`](super::policy)).
#[derive(Clone)]
pub struct RbacAuthorizer {
    source: Arc<dyn ObjectSource>,
    cache: Arc<Mutex<DecisionCache>>,
    policy: Arc<PolicyCache>,
}

/// At most this many decisions (and as many users' rules) are remembered; then that map starts
/// again empty.
const DECISION_CACHE_CAPACITY: usize = 4096;

/// A user's rules in a namespace, and the role-resolution errors met finding them.
type Resolved = Arc<(Vec<SourcedRule>, Vec<String>)>;

/// Whose rules, where: all that [`rules_for`] reads of a request (username, groups, namespace).
type RulesKey = (String, Vec<String>, String);

/// Decisions made at one generation of the source, and the rules they were made from: the
/// five access reviews `setup` sends at once differ only in their verb, and resolve the same
/// bindings once.
#[derive(Default)]
struct DecisionCache {
    generation: u64,
    decisions: HashMap<RequestAttributes, Evaluation>,
    rules: HashMap<RulesKey, Resolved>,
}

impl DecisionCache {
    /// Forgets everything if the source has changed since; whether what is kept is current.
    fn at(&mut self, generation: u64) -> bool {
        if self.generation != generation {
            self.generation = generation;
            self.decisions.clear();
            self.rules.clear();
            return false;
        }
        true
    }
}

/// Where [`RbacAuthorizer::kept`] keeps one kind of answer.
type Pick<K, V> = fn(&mut DecisionCache) -> &mut HashMap<K, V>;

impl std::fmt::Debug for RbacAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RbacAuthorizer")
    }
}

impl RbacAuthorizer {
    /// An authorizer reading from `source`.
    pub fn new(source: Arc<dyn ObjectSource>) -> Self {
        RbacAuthorizer {
            source,
            cache: Arc::default(),
            policy: Arc::default(),
        }
    }

    /// The store it reads.
    pub fn source(&self) -> &dyn ObjectSource {
        &*self.source
    }

    /// RBAC alone (`RBACAuthorizer.Authorize`), with its reason text.
    pub fn evaluate(&self, attrs: &RequestAttributes) -> Evaluation {
        self.kept(|c| &mut c.decisions, attrs, || self.evaluate_now(attrs))
    }

    /// Rule resolution over the decoded view of the RBAC objects, or over the source itself
    /// when it keeps no generations; kept, as decisions are, while the source is unchanged.
    fn rules_for(&self, user: &UserInfo, namespace: &str) -> Resolved {
        let key = (
            user.username.clone(),
            user.groups.clone(),
            namespace.to_string(),
        );
        self.kept(
            |c| &mut c.rules,
            &key,
            || {
                Arc::new(match self.policy.view(&*self.source) {
                    Some(view) => rules_for(&view, user, namespace),
                    None => rules_for(&*self.source, user, namespace),
                })
            },
        )
    }

    /// `compute`'s answer for `key`, remembered in the map `pick` selects while the four RBAC
    /// resources stay unchanged; computed every time from a source that keeps no generations.
    fn kept<K, V>(&self, pick: Pick<K, V>, key: &K, compute: impl FnOnce() -> V) -> V
    where
        K: Clone + Eq + std::hash::Hash,
        V: Clone,
    {
        let Some(before) = self.source.generation_of(&RBAC_RESOURCES) else {
            return compute();
        };
        let lock = || self.cache.lock().unwrap_or_else(|e| e.into_inner());
        {
            let mut cache = lock();
            if cache.at(before)
                && let Some(v) = pick(&mut cache).get(key)
            {
                return v.clone();
            }
        }
        let v = compute();
        // Kept only if nothing was written while it was computed.
        if self.source.generation_of(&RBAC_RESOURCES) == Some(before) {
            let mut cache = lock();
            if cache.generation == before {
                let map = pick(&mut cache);
                if map.len() >= DECISION_CACHE_CAPACITY {
                    map.clear();
                }
                map.insert(key.clone(), v.clone());
            }
        }
        v
    }

    fn evaluate_now(&self, attrs: &RequestAttributes) -> Evaluation {
        let resolved = self.rules_for(&attrs.user, &attrs.namespace);
        let (rules, errors) = &*resolved;
        if let Some(r) = rules.iter().find(|r| rule_allows(attrs, &r.rule)) {
            return Evaluation {
                allowed: true,
                reason: format!("RBAC: allowed by {}", r.source),
            };
        }
        let reason = if errors.is_empty() {
            String::new()
        } else {
            format!("RBAC: {}", aggregate(errors))
        };
        Evaluation {
            allowed: false,
            reason,
        }
    }

    /// The `status` of a SelfSubjectRulesReview for `user` in `namespace`: one entry per rule of
    /// every applicable binding (duplicates kept), `incomplete` only for node identities (whose
    /// permissions the Node authorizer cannot enumerate), and role-resolution errors in
    /// `evaluationError`.
    pub fn rules_review_status(&self, user: &UserInfo, namespace: &str) -> Value {
        let mut errors = Vec::new();
        let is_node = user.username.starts_with("system:node:") && user.in_group("system:nodes");
        if is_node {
            errors.push("node authorizer does not support user rule resolution".to_string());
        }
        let resolved = self.rules_for(user, namespace);
        let (rules, rbac_errors) = &*resolved;
        errors.extend(rbac_errors.iter().cloned());
        let mut resource_rules = Vec::new();
        let mut non_resource_rules = Vec::new();
        for r in rules.iter().map(|r| &r.rule) {
            if !r.resources.is_empty() {
                let mut m = serde_json::Map::new();
                m.insert("verbs".into(), json!(r.verbs));
                if !r.api_groups.is_empty() {
                    m.insert("apiGroups".into(), json!(r.api_groups));
                }
                m.insert("resources".into(), json!(r.resources));
                if !r.resource_names.is_empty() {
                    m.insert("resourceNames".into(), json!(r.resource_names));
                }
                resource_rules.push(Value::Object(m));
            }
            if !r.non_resource_urls.is_empty() {
                non_resource_rules
                    .push(json!({"verbs": r.verbs, "nonResourceURLs": r.non_resource_urls}));
            }
        }
        let mut status = json!({
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": is_node,
        });
        if !errors.is_empty() {
            status["evaluationError"] = json!(aggregate(&errors));
        }
        status
    }

    /// Allowed, as the server's whole chain decides: `system:masters` first (privileged-group
    /// authorizer), then RBAC.
    pub fn allows(&self, attrs: &RequestAttributes) -> bool {
        attrs.user.in_group(SYSTEM_MASTERS) || self.evaluate(attrs).allowed
    }
}

impl Authorizer for RbacAuthorizer {
    /// kube-apiserver's chain as this server runs it: `system:masters` is allowed, then RBAC.
    /// RBAC itself has no opinion on a miss; as the last authorizer its reason becomes the denial
    /// reason, so a miss is returned as `Deny` with that reason (often empty).
    fn authorize(&self, attrs: &RequestAttributes) -> Decision {
        if attrs.user.in_group(SYSTEM_MASTERS) {
            return Decision::Allow;
        }
        let e = self.evaluate(attrs);
        if e.allowed {
            Decision::Allow
        } else {
            Decision::Deny { reason: e.reason }
        }
    }
}
