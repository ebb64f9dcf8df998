//! Measures mock-apiserver: in-process start time, and requests per second for an
//! authenticated GET over TLS keep-alive (HTTP/2 and HTTP/1.1) with a reqwest client.
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

async fn requests_per_second(
    server: &MockServer,
    http1: bool,
    secs: u64,
    concurrency: usize,
) -> f64 {
    let c = client(server, http1);
    let url = format!(
        "{}/api/v1/namespaces/default/serviceaccounts/default",
        server.url()
    );
    // Warm up the connection(s).
    for _ in 0..concurrency {
        c.get(&url)
            .send()
            .await
            .expect("warm-up")
            .bytes()
            .await
            .expect("body");
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let c = c.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while Instant::now() < deadline {
                let r = c.get(&url).send().await.expect("GET");
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
        let one = requests_per_second(&server, http1, secs, 1).await;
        let many = requests_per_second(&server, http1, secs, concurrency).await;
        println!(
            "authenticated GET (admin client cert) over TLS keep-alive, {label}: {one:.0} req/s sequential, {many:.0} req/s with {concurrency} concurrent"
        );
    }
    println!("journal entries recorded: {}", server.journal().len());
}
