//! `--authz-cache-delay`: the RBAC objects as the authorizer sees them lag the store by a fixed
//! delay, like a real apiserver's informer-fed RBAC cache, so clients that poll after granting
//! access are exercised.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::{broadcast, watch};

use crate::api::objects::ObjectSource;
use crate::store::{EventType, Store, WatchEvent};

/// The resources whose changes are delayed.
pub const RBAC_RESOURCES: [&str; 4] = [
    "roles",
    "rolebindings",
    "clusterroles",
    "clusterrolebindings",
];

type Key = (String, String, String);

#[derive(Default)]
struct Cache {
    /// Changes seen but not visible yet, with the time they were seen.
    pending: VecDeque<(Instant, WatchEvent)>,
    /// The RBAC objects the authorizer sees.
    visible: BTreeMap<Key, Value>,
}

/// An [`ObjectSource`] passing everything through to the store except RBAC objects, which
/// it serves as they were `delay` ago.
pub struct DelayedRbacSource {
    store: Arc<Store>,
    delay: Duration,
    cache: Mutex<Cache>,
}

impl std::fmt::Debug for DelayedRbacSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DelayedRbacSource")
            .field("delay", &self.delay)
            .finish_non_exhaustive()
    }
}

fn key_of(resource: &str, obj: &Value) -> Key {
    let m = |k: &str| {
        obj.pointer(&format!("/metadata/{k}"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    (resource.to_string(), m("namespace"), m("name"))
}

impl DelayedRbacSource {
    /// A source starting from the store's current RBAC objects, and the subscription that
    /// [`DelayedRbacSource::run`] must be given (taken first, so nothing is missed).
    pub fn new(store: Arc<Store>, delay: Duration) -> (Arc<Self>, broadcast::Receiver<WatchEvent>) {
        let rx = store.subscribe();
        let source = Arc::new(DelayedRbacSource {
            store,
            delay,
            cache: Mutex::new(Cache::default()),
        });
        source.resync();
        (source, rx)
    }

    fn lock(&self) -> MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes the store's current RBAC objects visible at once (start, or after lost events).
    fn resync(&self) {
        let mut visible = BTreeMap::new();
        for r in RBAC_RESOURCES {
            for obj in self.store.list_objects(r, None) {
                visible.insert(key_of(r, &obj), obj);
            }
        }
        let mut cache = self.lock();
        cache.pending.clear();
        cache.visible = visible;
    }

    /// Applies the changes whose delay has passed; returns the locked cache.
    fn settled(&self) -> MutexGuard<'_, Cache> {
        let mut cache = self.lock();
        let now = Instant::now();
        while cache
            .pending
            .front()
            .is_some_and(|(seen, _)| now.duration_since(*seen) >= self.delay)
        {
            let Some((_, e)) = cache.pending.pop_front() else {
                break;
            };
            let key = key_of(e.resource, &e.object);
            match e.event_type {
                EventType::Deleted => {
                    cache.visible.remove(&key);
                }
                EventType::Added | EventType::Modified => {
                    cache.visible.insert(key, e.object);
                }
            }
        }
        cache
    }

    /// Records RBAC changes as they happen, until `shutdown` turns true.
    pub async fn run(
        self: Arc<Self>,
        mut rx: broadcast::Receiver<WatchEvent>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        return;
                    }
                }
                ev = rx.recv() => match ev {
                    Ok(e) if RBAC_RESOURCES.contains(&e.resource) => {
                        self.lock().pending.push_back((Instant::now(), e));
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => self.resync(),
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    }
}

impl ObjectSource for DelayedRbacSource {
    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        if !RBAC_RESOURCES.contains(&resource) {
            return self.store.get_object(resource, namespace, name);
        }
        let key = (
            resource.to_string(),
            namespace.unwrap_or("").to_string(),
            name.to_string(),
        );
        self.settled().visible.get(&key).cloned()
    }

    fn list_objects(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        if !RBAC_RESOURCES.contains(&resource) {
            return self.store.list_objects(resource, namespace);
        }
        self.settled()
            .visible
            .iter()
            .filter(|((r, ns, _), _)| r == resource && namespace.is_none_or(|n| n == ns))
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::registry;
    use crate::store::WriteOptions;
    use serde_json::json;

    #[tokio::test]
    async fn rbac_changes_become_visible_only_after_the_delay() {
        let store = Arc::new(Store::new(""));
        let (source, rx) = DelayedRbacSource::new(store.clone(), Duration::from_millis(300));
        let (_stop, stop_rx) = watch::channel(false);
        tokio::spawn(source.clone().run(rx, stop_rx));
        let roles = registry::find_plural("roles").unwrap();
        store
            .create(
                roles,
                "default",
                json!({"metadata": {"name": "r"}, "rules": []}),
                &WriteOptions::default(),
            )
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(source.get_object("roles", Some("default"), "r").is_none());
        assert!(source.list_objects("roles", None).is_empty());
        // Everything else is read through at once.
        assert!(source.get_object("namespaces", None, "default").is_some());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert!(source.get_object("roles", Some("default"), "r").is_some());
        assert_eq!(source.list_objects("roles", Some("default")).len(), 1);
    }
}
