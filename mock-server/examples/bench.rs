//! Measures mock-apiserver: in-process start time, requests per second for an authenticated
//! GET over TLS keep-alive (HTTP/2 and HTTP/1.1) with a reqwest client, and for a JSON merge
//! patch (a write: validation, the field manager's `managedFields`, the store).
//!
//! Run: `cargo run --release -p mock-apiserver --example bench [-- SECONDS [CONCURRENCY]]`

use std::time::{Duration, Instant};

use mock_apiserver::MockServer;

fn client(server: &MockServer, http1: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).expect("CA PEM");
    let pem = format!(
        "{}{}",
        server.admin_client_cert_pem(),
        server.admin_client_key_pem()
    );
    let id = reqwest::Identity::from_pem(pem.as_bytes()).expect("identity PEM");
    let mut b = reqwest::Client::builder().tls_certs_only([ca]).identity(id);
    if http1 {
        b = b.http1_only();
    }
    b.build().expect("client")
}

/// What each request does.
#[derive(Clone, Copy, PartialEq)]
enum Work {
    /// GET the default ServiceAccount.
    Get,
    /// Merge-patch a ConfigMap (one per task) with a new value.
    Patch,
}

async fn requests_per_second(
    server: &MockServer,
    http1: bool,
    secs: u64,
    concurrency: usize,
    work: Work,
) -> f64 {
    let c = client(server, http1);
    let url = format!(
        "{}/api/v1/namespaces/default/serviceaccounts/default",
        server.url()
    );
    let cms = format!("{}/api/v1/namespaces/default/configmaps", server.url());
    // Warm up the connection(s); make the ConfigMaps to patch.
    for i in 0..concurrency {
        c.get(&url)
            .send()
            .await
            .expect("warm-up")
            .bytes()
            .await
            .expect("body");
        if work == Work::Patch {
            let body = format!(
                r#"{{"metadata":{{"name":"bench-{i}","labels":{{"app":"bench"}}}},"data":{{"n":"0"}}}}"#
            );
            c.post(format!("{cms}?fieldManager=bench"))
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("create");
        }
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let c = c.clone();
        let url = url.clone();
        let cm = format!("{cms}/bench-{i}?fieldManager=patcher");
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let r = match work {
                    Work::Get => c.get(&url).send().await.expect("GET"),
                    Work::Patch => c
                        .patch(&cm)
                        .header("content-type", "application/merge-patch+json")
                        .body(format!(r#"{{"data":{{"n":"{n}"}}}}"#))
                        .send()
                        .await
                        .expect("PATCH"),
                };
                assert_eq!(r.status(), 200);
                r.bytes().await.expect("body");
                n += 1;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.expect("task");
    }
    total as f64 / start.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let secs: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(3);
    let concurrency: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(8);

    let mut starts = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let s = MockServer::start().await.expect("start");
        starts.push(t.elapsed());
        drop(s);
    }
    starts.sort();
    println!(
        "start-up (in-process, 20 runs): median {:?}, min {:?}, max {:?}",
        starts[starts.len() / 2],
        starts[0],
        starts[starts.len() - 1]
    );

    let server = MockServer::start().await.expect("start");
    for (label, http1) in [("HTTP/2", false), ("HTTP/1.1", true)] {
        let one = requests_per_second(&server, http1, secs, 1, Work::Get).await;
        let many = requests_per_second(&server, http1, secs, concurrency, Work::Get).await;
        println!(
            "authenticated GET (admin client cert) over TLS keep-alive, {label}: {one:.0} req/s sequential, {many:.0} req/s with {concurrency} concurrent"
        );
    }
    let one = requests_per_second(&server, false, secs, 1, Work::Patch).await;
    let many = requests_per_second(&server, false, secs, concurrency, Work::Patch).await;
    println!(
        "JSON merge patch of a ConfigMap, HTTP/2: {one:.0} req/s sequential, {many:.0} req/s with {concurrency} concurrent"
    );
    println!("journal entries recorded: {}", server.journal().len());
}
