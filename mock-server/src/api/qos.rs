//! A Pod's `status` as the real server writes it on create: `PrepareForCreate` in
//! `pkg/registry/core/pod/strategy.go` replaces whatever the client sent with
//! `{phase: Pending, qosClass: qos.GetPodQOS(pod)}`. The QoS rules are `ComputePodQOS` in
//! `pkg/apis/core/helper/qos/qos.go`, applied to the defaulted pod (`SetDefaults_Pod` copies a
//! container's limits into missing requests).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Parses a resource quantity (`100m`, `1.5`, `128Mi`, `1e3`, `2G`) into nano-units, enough to
/// sum and compare the values QoS looks at. `None` for text the real server would reject.
pub fn quantity_nanos(q: &str) -> Option<i128> {
    let q = q.trim();
    let (sign, q) = match q.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, q.strip_prefix('+').unwrap_or(q)),
    };
    let num_end = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(num_end);
    if num.is_empty() || num == "." {
        return None;
    }
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    // Value = digits * 10^(exp10) * 2^(exp2), kept exact in nano-units.
    let digits: i128 = format!("{int}{frac}").parse().ok()?;
    let mut exp10: i32 = 9 - frac.len() as i32;
    let mut exp2: u32 = 0;
    match suffix {
        "" => {}
        "n" => exp10 -= 9,
        "u" => exp10 -= 6,
        "m" => exp10 -= 3,
        "k" => exp10 += 3,
        "M" => exp10 += 6,
        "G" => exp10 += 9,
        "T" => exp10 += 12,
        "P" => exp10 += 15,
        "E" => exp10 += 18,
        "Ki" => exp2 = 10,
        "Mi" => exp2 = 20,
        "Gi" => exp2 = 30,
        "Ti" => exp2 = 40,
        "Pi" => exp2 = 50,
        "Ei" => exp2 = 60,
        s => {
            let e = s.strip_prefix(['e', 'E'])?;
            exp10 += e.parse::<i32>().ok()?;
        }
    }
    let mut v = digits.checked_mul(1i128.checked_shl(exp2)?)?;
    if exp10 >= 0 {
        v = v.checked_mul(10i128.checked_pow(exp10 as u32)?)?;
    } else {
        // Below a nano-unit the real server rounds up; QoS only compares, so this is fine.
        let d = 10i128.checked_pow((-exp10) as u32)?;
        v = (v + d - 1) / d;
    }
    Some(sign * v)
}

/// `ComputePodQOS`: `BestEffort` without any cpu/memory request or limit, `Guaranteed` when every
/// container (init containers included) has cpu and memory limits and the summed requests
/// equal the summed limits, else `Burstable`.
pub fn compute_pod_qos(pod: &Value) -> &'static str {
    let spec = pod.get("spec");
    let containers = ["containers", "initContainers"]
        .into_iter()
        .filter_map(|k| spec.and_then(|s| s.get(k)).and_then(Value::as_array))
        .flatten();
    let mut requests: BTreeMap<&str, i128> = BTreeMap::new();
    let mut limits: BTreeMap<&str, i128> = BTreeMap::new();
    let mut guaranteed = true;
    for c in containers {
        let res = c.get("resources");
        let list = |k: &str| {
            res.and_then(|r| r.get(k))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let lims = list("limits");
        let mut reqs = list("requests");
        // SetDefaults_Pod: a limit without a request defaults the request to the limit.
        for (k, v) in &lims {
            reqs.entry(k.clone()).or_insert_with(|| v.clone());
        }
        for name in ["cpu", "memory"] {
            let positive = |m: &Map<String, Value>| {
                m.get(name)
                    .and_then(Value::as_str)
                    .and_then(quantity_nanos)
                    .filter(|n| *n > 0)
            };
            if let Some(n) = positive(&reqs) {
                *requests.entry(name).or_default() += n;
            }
            match positive(&lims) {
                Some(n) => *limits.entry(name).or_default() += n,
                None => guaranteed = false,
            }
        }
    }
    if requests.is_empty() && limits.is_empty() {
        return "BestEffort";
    }
    if guaranteed
        && requests.len() == limits.len()
        && requests.iter().all(|(k, v)| limits.get(k) == Some(v))
    {
        return "Guaranteed";
    }
    "Burstable"
}

/// The pod strategy's `PrepareForCreate` status reset for a create through the API. As
/// `qos.GetPodQOS` does, a `qosClass` the client already set is kept; everything else in
/// `status` is dropped. Store-level creates (tests writing kubelet-style status) skip this.
pub fn reset_pod_status_for_create(pod: &mut Value) {
    let given = pod
        .get("status")
        .and_then(|s| s.get("qosClass"))
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let qos = given.unwrap_or_else(|| compute_pod_qos(pod).to_string());
    if let Some(o) = pod.as_object_mut() {
        o.insert(
            "status".into(),
            json!({"phase": "Pending", "qosClass": qos}),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(containers: Value) -> Value {
        json!({"metadata": {"name": "p"}, "spec": {"containers": containers}})
    }

    #[test]
    fn quantities() {
        assert_eq!(quantity_nanos("100m"), Some(100_000_000));
        assert_eq!(quantity_nanos("0.1"), quantity_nanos("100m"));
        assert_eq!(quantity_nanos("1Ki"), Some(1024 * 1_000_000_000));
        assert_eq!(quantity_nanos("1e3"), quantity_nanos("1k"));
        assert_eq!(quantity_nanos("1Gi"), quantity_nanos("1024Mi"));
        assert_eq!(quantity_nanos("abc"), None);
        assert_eq!(quantity_nanos("1Xi"), None);
    }

    #[test]
    fn qos_classes() {
        assert_eq!(compute_pod_qos(&pod(json!([{"name": "a"}]))), "BestEffort");
        let full = json!({"cpu": "100m", "memory": "64Mi"});
        let g = pod(json!([{"name": "a", "resources": {"requests": full, "limits": full}}]));
        assert_eq!(compute_pod_qos(&g), "Guaranteed");
        // Limits only: the defaulted requests equal them.
        let lim =
            pod(json!([{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]));
        assert_eq!(compute_pod_qos(&lim), "Guaranteed");
        // Same amounts spelled differently still compare equal.
        let spelled = pod(json!([{"name": "a", "resources": {
            "requests": {"cpu": "0.1", "memory": "64Mi"}, "limits": {"cpu": "100m", "memory": "65536Ki"}}}]));
        assert_eq!(compute_pod_qos(&spelled), "Guaranteed");
        let req_only = pod(json!([{"name": "a", "resources": {"requests": {"cpu": "100m"}}}]));
        assert_eq!(compute_pod_qos(&req_only), "Burstable");
        let unequal = pod(json!([{"name": "a", "resources": {
            "requests": {"cpu": "50m", "memory": "64Mi"}, "limits": full}}]));
        assert_eq!(compute_pod_qos(&unequal), "Burstable");
        // One container without limits spoils Guaranteed for the pod.
        let mixed = pod(
            json!([{"name": "a", "resources": {"requests": full, "limits": full}}, {"name": "b"}]),
        );
        assert_eq!(compute_pod_qos(&mixed), "Burstable");
        // Only cpu and memory count.
        let eph =
            pod(json!([{"name": "a", "resources": {"limits": {"ephemeral-storage": "1Gi"}}}]));
        assert_eq!(compute_pod_qos(&eph), "BestEffort");
    }

    #[test]
    fn status_reset_keeps_only_phase_and_qos() {
        let mut p = pod(json!([{"name": "a"}]));
        p["status"] = json!({"phase": "Running", "podIP": "10.0.0.1", "containerStatuses": []});
        reset_pod_status_for_create(&mut p);
        assert_eq!(
            p["status"],
            json!({"phase": "Pending", "qosClass": "BestEffort"})
        );
        let mut p = pod(json!([{"name": "a"}]));
        p["status"] = json!({"qosClass": "Burstable", "phase": "Running"});
        reset_pod_status_for_create(&mut p);
        assert_eq!(
            p["status"],
            json!({"phase": "Pending", "qosClass": "Burstable"})
        );
    }
}
