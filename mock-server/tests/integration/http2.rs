//! HTTP/2 under concurrency: many requests multiplexed over one connection all get answers,
//! as client-go multiplexes everything a process sends over one connection.
//!
//! A load of 32 concurrent POSTs over one connection used to end in
//! `GOAWAY(ENHANCE_YOUR_CALM, "too_many_internal_resets")`. The server was not at fault: the
//! load client (`examples/scale.rs`) dropped each answer unread; h2 then resets the stream
//! (CANCEL), and once more than its 50 remembered resets are pending, DATA arriving for a
//! forgotten stream makes the *client* reset it again (STREAM_CLOSED), a "local error
//! reset"; after 1024 of those in a connection's life the client's h2 closes it (hyperium/h2
//! issue 856). The server must keep serving such a load, with every answer complete.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mock_apiserver::MockServer;

/// An admin client that speaks HTTP/2 only, so every request shares one connection.
fn h2_admin(server: &MockServer) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
    let pem = format!(
        "{}{}",
        server.admin_client_cert_pem(),
        server.admin_client_key_pem()
    );
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap())
        .http2_prior_knowledge()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `workers` tasks POST ConfigMaps one after another until `total` are made; every answer is
/// read to its end. Returns the errors.
async fn concurrent_posts(server: &MockServer, workers: usize, total: usize) -> Vec<String> {
    let client = h2_admin(server);
    let url = format!("{}/api/v1/namespaces/default/configmaps", server.url());
    let next = Arc::new(AtomicUsize::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (client, url, next) = (client.clone(), url.clone(), next.clone());
        set.spawn(async move {
            let mut errors = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= total {
                    return errors;
                }
                let body = serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("cm-{i:05}")},
                    "data": {"k": "v".repeat(100)},
                });
                let answer = match client.post(&url).json(&body).send().await {
                    Ok(r) => {
                        let status = r.status();
                        let version = r.version();
                        r.bytes().await.map(|b| (status, version, b))
                    }
                    Err(e) => Err(e),
                };
                match answer {
                    Ok((status, version, body)) => {
                        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
                        if status != 201 || version != reqwest::Version::HTTP_2 {
                            errors.push(format!("{i}: {status} {version:?}"));
                        } else if v["metadata"]["name"] != format!("cm-{i:05}") {
                            errors.push(format!("{i}: answer for {}", v["metadata"]["name"]));
                        }
                    }
                    Err(e) => errors.push(format!("{i}: {e:?}")),
                }
            }
        });
    }
    let mut errors = Vec::new();
    while let Some(r) = set.join_next().await {
        errors.extend(r.unwrap());
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_posts_32_at_once_over_one_connection_all_succeed() {
    let server = MockServer::start().await.unwrap();
    let errors = concurrent_posts(&server, 32, 3000).await;
    assert!(
        errors.is_empty(),
        "{} failed, first: {:?}",
        errors.len(),
        errors.first()
    );
    let list: serde_json::Value = crate::util::admin(&server)
        .get(format!(
            "{}/api/v1/namespaces/default/configmaps",
            server.url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let made = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["metadata"]["name"].as_str().unwrap().starts_with("cm-"))
        .count();
    assert_eq!(made, 3000);
}
