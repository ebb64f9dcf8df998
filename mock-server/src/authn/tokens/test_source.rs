//! A small in-memory [`ObjectSource`] for unit tests.

use std::sync::Mutex;

use serde_json::{Value, json};

use crate::api::objects::ObjectSource;

#[derive(Default)]
pub(crate) struct MemSource {
    objects: Mutex<Vec<(String, Option<String>, Value)>>,
}

impl MemSource {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Insert or replace `obj` (namespace from `metadata.namespace`).
    pub(crate) fn put(&self, resource: &str, obj: Value) -> &Self {
        let ns = obj
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let mut v = self.objects.lock().unwrap();
        v.retain(|(r, n, o)| {
            !(r == resource && *n == ns && o["metadata"]["name"] == name.as_str())
        });
        v.push((resource.to_string(), ns, obj));
        self
    }

    pub(crate) fn delete(&self, resource: &str, ns: Option<&str>, name: &str) {
        self.objects.lock().unwrap().retain(|(r, n, o)| {
            !(r == resource && n.as_deref() == ns && o["metadata"]["name"] == name)
        });
    }

    pub(crate) fn sa(&self, ns: &str, name: &str, uid: &str) -> &Self {
        self.put("serviceaccounts", json!({"kind":"ServiceAccount","apiVersion":"v1","metadata":{"name":name,"namespace":ns,"uid":uid}}))
    }
}

impl ObjectSource for MemSource {
    fn get_object(&self, resource: &str, namespace: Option<&str>, name: &str) -> Option<Value> {
        self.objects
            .lock()
            .unwrap()
            .iter()
            .find(|(r, n, o)| {
                r == resource && n.as_deref() == namespace && o["metadata"]["name"] == name
            })
            .map(|(_, _, o)| o.clone())
    }

    fn list_objects(&self, resource: &str, namespace: Option<&str>) -> Vec<Value> {
        self.objects
            .lock()
            .unwrap()
            .iter()
            .filter(|(r, n, _)| r == resource && (namespace.is_none() || n.as_deref() == namespace))
            .map(|(_, _, o)| o.clone())
            .collect()
    }
}
