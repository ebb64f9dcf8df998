//! Wall time of `rawkube setup` against the mock, side by side with the tutorial's Step 9
//! script run with the real kubectl against the same mock. A measurement, not a test:
//! `scripts/bench-setup.sh` (or `cargo test --release --test integration -- --ignored
//! --nocapture bench_setup`) prints the figures.

use std::process::Command;
use std::time::{Duration, Instant};

use mock_apiserver::MockServer;

use super::cli_util::{Env, have_kubectl, rawkube_with};

fn stats(name: &str, runs: &[Duration]) {
    let ms: Vec<f64> = runs.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    let min = ms.iter().cloned().fold(f64::MAX, f64::min);
    let max = ms.iter().cloned().fold(0.0, f64::max);
    println!(
        "{name:<44} mean {mean:7.1} ms   min {min:7.1} ms   max {max:7.1} ms   ({} runs)",
        ms.len()
    );
}

#[test]
#[ignore = "a measurement; run with --ignored --nocapture"]
fn bench_setup_vs_step9_script() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    // A 1.23-style cluster, so the Step 9 script finds its token Secret and runs every step for
    // real (ending in "No resources found"); `setup` (token mode auto) uses the same Secret.
    let env = Env::with(
        MockServer::builder()
            .server_version("v1.23.1")
            .legacy_token_secrets(true)
            .start_blocking()
            .expect("start mock-apiserver"),
    );
    let mut rawkube_times = Vec::new();
    for i in 0..runs {
        let kc = env.dir.path().join(format!("r{i}.kubeconfig"));
        std::fs::copy(&env.kubeconfig, &kc).unwrap();
        let name = format!("bench-r{i}");
        let t = Instant::now();
        let r = rawkube_with(&kc, &["setup", &name]);
        rawkube_times.push(t.elapsed());
        assert_eq!(r.code, 0, "{r:?}");
    }
    stats("rawkube setup (fresh SA each run)", &rawkube_times);

    let mut rerun_times = Vec::new();
    let kc = env.dir.path().join("r0.kubeconfig");
    for _ in 0..runs {
        let t = Instant::now();
        let r = rawkube_with(&kc, &["setup", "bench-r0"]);
        rerun_times.push(t.elapsed());
        assert_eq!(r.code, 0, "{r:?}");
    }
    stats("rawkube setup (re-run, nothing to do)", &rerun_times);

    if !have_kubectl() {
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/tutorial-step9.sh"
    );
    let shim_dir = tempfile::tempdir().unwrap();
    let real = Command::new("sh")
        .args(["-c", "command -v kubectl"])
        .output()
        .unwrap();
    let real = String::from_utf8_lossy(&real.stdout).trim().to_string();
    // Each kubectl call gets a fresh --cache-dir, as in the comparison tests.
    let shim = shim_dir.path().join("kubectl");
    std::fs::write(
        &shim,
        format!("#!/bin/sh\nexec {real} --cache-dir \"$(mktemp -d)\" \"$@\"\n"),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        shim_dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut kubectl_times = Vec::new();
    for i in 0..runs {
        let kc = env.dir.path().join(format!("k{i}.kubeconfig"));
        std::fs::copy(&env.kubeconfig, &kc).unwrap();
        let t = Instant::now();
        let out = Command::new("bash")
            .arg(script)
            .arg(format!("bench-k{i}"))
            .env("PATH", &path)
            .env("KUBECONFIG", &kc)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        kubectl_times.push(t.elapsed());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("created")
                && stderr.contains("No resources found in default namespace."),
            "{stderr}"
        );
    }
    stats(
        "Step 9 script with kubectl (fresh SA each run)",
        &kubectl_times,
    );
}
