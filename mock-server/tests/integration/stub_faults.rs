//! Every fault as a real client sees it: reqwest (HTTP/1.1 and HTTP/2) and curl. After each
//! fault the server still answers on a new connection, and the journal has the request.

use std::process::Command;
use std::time::Duration;

use mock_apiserver::{Fault, Match, MockServer, Respond, Stub, Verb};

use crate::util::admin;

const PATH: &str = "/api/v1/namespaces/default/serviceaccounts/default";

/// An admin client speaking only HTTP/1.1 (h2: ALPN picks HTTP/2 by default).
fn client(server: &MockServer, http1: bool) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(server.ca_pem().as_bytes()).unwrap();
    let pem = format!(
        "{}{}",
        server.admin_client_cert_pem(),
        server.admin_client_key_pem()
    );
    let mut b = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(pem.as_bytes()).unwrap())
        .timeout(Duration::from_secs(10));
    b = if http1 {
        b.http1_only()
    } else {
        b.http2_prior_knowledge()
    };
    b.build().unwrap()
}

/// The whole error chain of a reqwest error, as one string.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(" <- ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// Registers `fault` for one GET and checks that the server is fine afterwards.
async fn with_fault<F, Fut>(server: &MockServer, fault: Fault, check: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let guard = server.stub(
        Stub::on(Verb::Get)
            .name("default")
            .times(1)
            .expect(1)
            .respond(Respond::fault(fault)),
    );
    check().await;
    drop(guard);
    let after = admin(server)
        .get(format!("{}{PATH}", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), 200, "{fault:?}: the server answers again");
}

async fn get_error(c: &reqwest::Client, server: &MockServer) -> String {
    match c.get(format!("{}{PATH}", server.url())).send().await {
        Ok(r) => panic!("expected an error, got {} {:?}", r.status(), r.text().await),
        Err(e) => chain(&e),
    }
}

#[tokio::test]
async fn reqwest_sees_each_fault() {
    let server = MockServer::start().await.unwrap();
    for http1 in [true, false] {
        let proto = if http1 { "HTTP/1.1" } else { "HTTP/2" };
        with_fault(&server, Fault::ConnectionReset, || async {
            let e = get_error(&client(&server, http1), &server).await;
            // HTTP/1.1 reports the OS error, HTTP/2 a reset connection.
            assert!(e.contains("reset"), "{proto}: {e}");
        })
        .await;
        with_fault(&server, Fault::EmptyResponse, || async {
            let e = get_error(&client(&server, http1), &server).await;
            let want = if http1 {
                "connection closed before message completed"
            } else {
                "stream closed because of a broken pipe"
            };
            assert!(e.contains(want), "{proto}: {e}");
        })
        .await;
        with_fault(&server, Fault::RandomDataThenClose, || async {
            let e = get_error(&client(&server, http1), &server).await;
            // HTTP/1.1: not a status line; HTTP/2: not a frame.
            let want = if http1 {
                "invalid HTTP version parsed"
            } else {
                "http2 error"
            };
            assert!(e.contains(want), "{proto}: {e}");
        })
        .await;
        with_fault(&server, Fault::Stall, || async {
            let c = client(&server, http1);
            let e = c
                .get(format!("{}{PATH}", server.url()))
                .timeout(Duration::from_millis(400))
                .send()
                .await
                .unwrap_err();
            assert!(e.is_timeout(), "{proto}: {}", chain(&e));
            // Only that request stalls: the same client still gets answers.
            let ok = c
                .get(format!("{}/version", server.url()))
                .send()
                .await
                .unwrap();
            assert_eq!(ok.status(), 200, "{proto}");
        })
        .await;
        for fault in [Fault::CloseAfterHeaders, Fault::MalformedChunk] {
            with_fault(&server, fault, || async {
                let resp = client(&server, http1)
                    .get(format!("{}{PATH}", server.url()))
                    .send()
                    .await
                    .unwrap();
                // The headers arrived; the body never completes.
                assert_eq!(resp.status(), 200, "{proto} {fault:?}");
                let e = resp.bytes().await.unwrap_err();
                assert!(
                    e.is_body() || e.is_decode(),
                    "{proto} {fault:?}: {}",
                    chain(&e)
                );
                if fault == Fault::MalformedChunk && http1 {
                    assert!(chain(&e).contains("chunk"), "{}", chain(&e));
                }
            })
            .await;
        }
    }
    let faults = server.requests(&Match::on(Verb::Get).name("default"));
    let statuses: Vec<u16> = faults.iter().map(|e| e.status).collect();
    assert!(
        statuses.contains(&0),
        "faults are journalled with status 0: {statuses:?}"
    );
}

#[tokio::test]
async fn goaway_makes_reqwest_retry_on_a_new_connection() {
    let server = MockServer::start().await.unwrap();
    let _g = server.stub(
        Stub::on(Verb::Get)
            .name("default")
            .times(1)
            .expect(1)
            .respond(Respond::fault(Fault::Goaway)),
    );
    // GOAWAY with last stream 0 says the request was not processed: reqwest (like client-go)
    // retries it over a new connection, so the caller sees the answer and the journal both tries.
    let resp = client(&server, false)
        .get(format!("{}{PATH}", server.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let tries: Vec<u16> = server
        .requests(&Match::on(Verb::Get).name("default"))
        .iter()
        .map(|e| e.status)
        .collect();
    assert_eq!(tries, [0, 200]);
}

fn curl_available() -> bool {
    Command::new("curl").arg("--version").output().is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_sees_each_fault() {
    if !curl_available() {
        eprintln!("skipped: curl is not on PATH");
        return;
    }
    let server = MockServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cases: [(Fault, &[&str], i32, &str); 7] = [
        (Fault::ConnectionReset, &["--http1.1"], 56, "reset by peer"),
        (
            Fault::EmptyResponse,
            &["--http1.1"],
            52,
            "Empty reply from server",
        ),
        (Fault::MalformedChunk, &["--http1.1"], 56, "chunk"),
        (Fault::RandomDataThenClose, &["--http1.1"], 1, "HTTP/0.9"),
        (
            Fault::Stall,
            &["--http1.1", "--max-time", "1"],
            28,
            "Operation timed out",
        ),
        (
            Fault::CloseAfterHeaders,
            &["--http1.1"],
            18,
            "transfer closed",
        ),
        (
            Fault::Goaway,
            &["--http2", "-v"],
            16,
            "GOAWAY, error=0, last_stream=0",
        ),
    ];
    for (fault, args, code, text) in cases {
        let target = Target::of(&server, dir.path());
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        with_fault(&server, fault, || async move {
            // curl blocks; the server runs on this runtime's other worker.
            let (got, stderr) = tokio::task::spawn_blocking(move || target.curl(&args))
                .await
                .unwrap();
            assert_eq!(got, code, "{fault:?}: {stderr}");
            assert!(stderr.contains(text), "{fault:?}: {stderr}");
        })
        .await;
    }
}

/// What curl needs to reach the server as the admin.
struct Target {
    url: String,
    dir: std::path::PathBuf,
}

impl Target {
    fn of(server: &MockServer, dir: &std::path::Path) -> Target {
        for (file, pem) in [
            ("ca.crt", server.ca_pem()),
            ("client.crt", server.admin_client_cert_pem()),
            ("client.key", server.admin_client_key_pem()),
        ] {
            std::fs::write(dir.join(file), pem).unwrap();
        }
        Target {
            url: server.url().to_string(),
            dir: dir.to_path_buf(),
        }
    }

    /// `curl -sS` with the admin certificate and `args`: (exit code, stderr).
    fn curl(&self, args: &[String]) -> (i32, String) {
        let out = Command::new("curl")
            .current_dir(&self.dir)
            .args([
                "-sS",
                "--cacert",
                "ca.crt",
                "--cert",
                "client.crt",
                "--key",
                "client.key",
            ])
            .args(args)
            .arg(format!("{}{PATH}", self.url))
            .output()
            .expect("run curl");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
