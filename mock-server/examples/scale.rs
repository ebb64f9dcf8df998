//! mock-apiserver holding many objects, driven from outside as a client would: how fast it
//! takes N ConfigMaps, its memory then (read from /proc), how long a full list takes with
//! and without paging, and what a large list does to other clients' GET latency.
//!
//! Run by `scripts/bench-mock.sh`; by hand:
//! `cargo run --release -p mock-apiserver --example scale -- URL TLS_DIR MOCK_PID [N]`
//! where TLS_DIR holds the admin's `ca.crt`, `client.crt` and `client.key`.
//!
//! `scale --reference URL TLS_DIR` measures the lists and GET latencies alone (nothing is
//! created, no RSS) against any server that answers the same paths: the script points it at
//! nginx serving the mock's own answers as files, so the same list client on the same two
//! cores shows what it does to a server that only sends bytes.

use std::time::{Duration, Instant};

const NS: &str = "default";

fn client(dir: &str) -> reqwest::Client {
    let read = |f: &str| std::fs::read(format!("{dir}/{f}")).expect("TLS file");
    let ca = reqwest::Certificate::from_pem(&read("ca.crt")).expect("CA PEM");
    let mut pem = read("client.crt");
    pem.extend(read("client.key"));
    let id = reqwest::Identity::from_pem(&pem).expect("identity PEM");
    // HTTP/1.1 keep-alive, one connection per task in flight; SCALE_HTTP2=1: everything
    // multiplexed over one HTTP/2 connection per client instead.
    let b = reqwest::Client::builder().tls_certs_only([ca]).identity(id);
    let b = if std::env::var_os("SCALE_HTTP2").is_some() {
        b.http2_prior_knowledge()
    } else {
        b.http1_only()
    };
    b.build().expect("client")
}

fn rss(pid: &str) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let get = |k: &str| {
        status
            .lines()
            .find(|l| l.starts_with(k))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    format!(
        "RSS {:.1} MB (peak {:.1} MB)",
        get("VmRSS:") as f64 / 1024.0,
        get("VmHWM:") as f64 / 1024.0
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn create_all(c: &reqwest::Client, url: &str, n: usize, concurrency: usize) {
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (c, next) = (c.clone(), next.clone());
        let post = format!("{url}/api/v1/namespaces/{NS}/configmaps");
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let body = serde_json::json!({
                    "apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": format!("cm-{i:06}"), "labels": {"app": "scale", "shard": (i % 16).to_string()}},
                    "data": {"config.yaml": format!("replicas: {}\nname: cm-{i:06}\n", i % 7)},
                });
                let r = c.post(&post).json(&body).send().await.expect("POST");
                assert!(r.status().is_success(), "POST {i}: {}", r.status());
                // Read the answer to its end: over HTTP/2, dropping it unread resets the
                // stream (CANCEL), and the server's DATA arriving after the client forgot that
                // stream makes the client's h2 reset it again (STREAM_CLOSED); those count
                // towards h2's limit of 1024 locally made resets per connection, after which
                // the *client* closes the connection (GOAWAY too_many_internal_resets).
                r.bytes().await.expect("POST answer");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
}

/// Lists every ConfigMap; `limit` 0 = one request. Returns (items, requests, bytes).
async fn list_all(c: &reqwest::Client, url: &str, limit: usize) -> (usize, usize, usize) {
    let (mut items, mut requests, mut bytes) = (0, 0, 0);
    let mut cont = String::new();
    loop {
        let mut u = format!("{url}/api/v1/namespaces/{NS}/configmaps");
        if limit > 0 {
            u.push_str(&format!("?limit={limit}"));
            if !cont.is_empty() {
                u.push_str(&format!("&continue={cont}"));
            }
        }
        let body = c
            .get(&u)
            .send()
            .await
            .expect("list")
            .bytes()
            .await
            .expect("body");
        requests += 1;
        bytes += body.len();
        // Parsed where it was received: the list client is a process of its own (see
        // `under_load`).
        let v: serde_json::Value = serde_json::from_slice(&body).expect("list JSON");
        let next = v["metadata"]["continue"].as_str().unwrap_or("").to_string();
        let n = v["items"].as_array().map_or(0, Vec::len);
        items += n;
        cont = next;
        if limit == 0 || cont.is_empty() {
            return (items, requests, bytes);
        }
    }
}

/// The object GET client `k` asks for.
fn get_url(url: &str, k: usize) -> String {
    format!("{url}/api/v1/namespaces/{NS}/configmaps/cm-{:06}", k * 7)
}

/// One GET, answered 200 and read to its end (the first also opens the connection).
async fn get_once(c: &reqwest::Client, u: &str) {
    let r = c.get(u).send().await.expect("GET");
    assert_eq!(r.status(), 200);
    r.bytes().await.expect("body");
}

/// GET latencies of `clients` separate clients (own connections), each sending GETs one
/// after another for `secs`.
async fn get_latencies(dir: &str, url: &str, clients: usize, secs: f64) -> Vec<Duration> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let mut tasks = Vec::new();
    for k in 0..clients {
        let (c, u) = (client(dir), get_url(url, k));
        tasks.push(tokio::spawn(async move {
            get_once(&c, &u).await;
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                get_once(&c, &u).await;
                lat.push(t.elapsed());
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort();
    all
}

/// GET latencies of `clients` separate clients (own connections), each sending `rate` GETs
/// a second for `secs`: an open loop, as wrk2 drives a server, at a load the server carries
/// with most of both cores to spare, as an apiserver's other clients usually are. The
/// closed loop of [`get_latencies`] keeps both cores busy with GETs alone, so there any
/// other work (even the list client's parsing) shows up as queueing. A GET that was due
/// while the one before it was still waiting for its answer counts its latency from when it
/// was due (no coordinated omission); any other from when it went out, since tokio's timer
/// wakes a sleeper up to a millisecond after its deadline and that slack would dilute every
/// ratio. Returns the latencies and how many GETs were held up that way.
async fn get_latencies_at_rate(
    dir: &str,
    url: &str,
    clients: usize,
    rate: f64,
    secs: f64,
) -> (Vec<Duration>, usize) {
    let period = Duration::from_secs_f64(1.0 / rate);
    let mut tasks = Vec::new();
    for k in 0..clients {
        let (c, u) = (client(dir), get_url(url, k));
        tasks.push(tokio::spawn(async move {
            get_once(&c, &u).await;
            // The clients start spread over one period, not all at once.
            let start = tokio::time::Instant::now() + period.mul_f64(k as f64 / clients as f64);
            let n = (secs * rate) as u32;
            let (mut lat, mut late) = (Vec::with_capacity(n as usize), 0);
            let mut previous_done = start;
            for i in 0..n {
                let due = start + period * i;
                let from = if previous_done > due {
                    late += 1;
                    due
                } else {
                    tokio::time::sleep_until(due).await;
                    tokio::time::Instant::now()
                };
                get_once(&c, &u).await;
                previous_done = tokio::time::Instant::now();
                lat.push(previous_done - from);
            }
            (lat, late)
        }));
    }
    let (mut all, mut late) = (Vec::new(), 0);
    for t in tasks {
        let (l, n) = t.await.expect("task");
        all.extend(l);
        late += n;
    }
    all.sort();
    (all, late)
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    ms(sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)])
}

/// The priority of the list client's thread.
#[derive(Clone, Copy)]
enum ListClient {
    /// As every other thread.
    Normal,
    /// nice 19.
    Nice19,
    /// `SCHED_IDLE` (as `chrt --idle 0`): runs only on a core nothing else wants.
    Idle,
}

impl ListClient {
    const ALL: [ListClient; 3] = [ListClient::Normal, ListClient::Nice19, ListClient::Idle];

    fn arg(self) -> &'static str {
        match self {
            ListClient::Normal => "normal",
            ListClient::Nice19 => "nice19",
            ListClient::Idle => "idle",
        }
    }

    fn label(self) -> &'static str {
        match self {
            ListClient::Normal => "list client at normal priority",
            ListClient::Nice19 => "list client at nice 19",
            ListClient::Idle => "list client in SCHED_IDLE",
        }
    }

    /// Applies this priority to the calling thread (on Linux, priorities are per thread; the
    /// threads it starts afterwards inherit it).
    fn apply(self) {
        let param = libc::sched_param { sched_priority: 0 };
        // SAFETY: syscalls about the calling thread; `param` outlives the call that reads it.
        let rc = unsafe {
            match self {
                ListClient::Normal => 0,
                ListClient::Nice19 => {
                    let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                    libc::setpriority(libc::PRIO_PROCESS, tid, 19)
                }
                ListClient::Idle => libc::sched_setscheduler(0, libc::SCHED_IDLE, &param),
            }
        };
        assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
    }
}

/// The list client: `scale --list-client URL TLS_DIR LIMIT PRIORITY` lists the whole
/// collection again and again until its stdin closes, then prints how many times.
fn list_client(args: &[String]) {
    let [url, dir, limit, prio] = args else {
        panic!("usage: scale --list-client URL TLS_DIR LIMIT PRIORITY");
    };
    let limit: usize = limit.parse().expect("LIMIT");
    let prio = ListClient::ALL
        .into_iter()
        .find(|p| p.arg() == prio)
        .expect("PRIORITY");
    prio.apply();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_on_eof = stop.clone();
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        stop_on_eof.store(true, std::sync::atomic::Ordering::Relaxed);
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("list client runtime");
    let n = rt.block_on(async {
        let c = client(dir);
        let mut n = 0;
        while !stop.load(std::sync::atomic::Ordering::Relaxed) {
            list_all(&c, url, limit).await;
            n += 1;
        }
        n
    });
    println!("{n}");
}

/// Other clients' GET latency while a list client loops over the whole collection (`limit`
/// 0: in one request) at priority `prio`.
async fn under_load(dir: &str, url: &str, limit: usize, prio: ListClient, base: &Idle) {
    // The list client is a process of its own, as on a real deployment (where it runs on
    // another machine): receiving and parsing its 50 MB answers shares neither a runtime nor
    // an allocator nor a memory map with the measured GET clients, whose latency is the
    // server's to answer for. At a lower priority it gets the CPU only when the server and the
    // GET clients leave it some, as if it ran on another machine.
    let lister = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--list-client", url, dir, &limit.to_string(), prio.arg()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("list client");
    let lat = get_latencies(dir, url, 4, 5.0).await;
    let (paced, late) = get_latencies_at_rate(dir, url, 4, RATE, 5.0).await;
    // Closing its stdin stops it after the list under way.
    let out = tokio::task::spawn_blocking(move || lister.wait_with_output().expect("list client"))
        .await
        .expect("join");
    assert!(out.status.success(), "list client: {}", out.status);
    let lists: usize = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("list count");
    let p99 = pct(&lat, 0.99);
    println!(
        "    closed loop: {} GETs, p50 {:.2} ms, p99 {:.2} ms, p99 {:.1}x idle",
        lat.len(),
        pct(&lat, 0.5),
        p99,
        p99 / base.closed_p99,
    );
    let paced_p99 = pct(&paced, 0.99);
    println!(
        "    {}: {} GETs ({late} held up), p50 {:.2} ms, p99 {:.2} ms, p99 {:.1}x idle",
        paced_label(),
        paced.len(),
        pct(&paced, 0.5),
        paced_p99,
        paced_p99 / base.paced_p99,
    );
    println!("    ({lists} full lists meanwhile)");
}

/// GETs a second per client in the open-loop measurement (4 clients).
const RATE: f64 = 250.0;

fn paced_label() -> String {
    format!("open loop, 4 x {RATE:.0} GETs/s")
}

/// The idle p99s the loaded ones are compared with.
struct Idle {
    closed_p99: f64,
    paced_p99: f64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list-client") {
        return list_client(&args[1..]);
    }
    // The GET clients stand for clients on other machines: their threads ask for the
    // server's short slices, so a GET's answer is read when it arrives rather than after the
    // list client's slice on the same core (their own wait, not the server's).
    // SCALE_GET_SLICES=0 leaves them the default slice.
    let mut rt = if std::env::var("SCALE_GET_SLICES").as_deref() == Ok("0") {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        mock_apiserver::sched::runtime_builder()
    };
    rt.enable_all()
        .build()
        .expect("runtime")
        .block_on(measure(args));
}

async fn measure(args: Vec<String>) {
    if let [flag, url, dir] = args.as_slice()
        && flag == "--reference"
    {
        return latencies(url, dir, None).await;
    }
    let [url, dir, pid, rest @ ..] = args.as_slice() else {
        eprintln!("usage: scale URL TLS_DIR MOCK_PID [N] | scale --reference URL TLS_DIR");
        std::process::exit(2);
    };
    let n: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let c = client(dir);
    println!("mock-apiserver before: {}", rss(pid));
    let t = Instant::now();
    create_all(&c, url, n, 32).await;
    let took = t.elapsed();
    println!(
        "created {n} ConfigMaps in {:.1} s ({:.0}/s, 32 at once)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
    println!("mock-apiserver holding {n} objects: {}", rss(pid));
    latencies(url, dir, Some(pid)).await;
}

/// Full lists, then GET latencies idle and while lists run. `pid`: the mock's, whose RSS is
/// shown (None for a reference server).
async fn latencies(url: &str, dir: &str, pid: Option<&str>) {
    let c = client(dir);
    for (label, limit) in [("one request", 0), ("paged, limit=500", 500)] {
        let t = Instant::now();
        let (items, requests, bytes) = list_all(&c, url, limit).await;
        println!(
            "list all, {label}: {items} items in {:.0} ms ({requests} requests, {:.1} MB)",
            ms(t.elapsed()),
            bytes as f64 / 1e6
        );
    }
    if let Some(pid) = pid {
        println!("mock-apiserver after listing: {}", rss(pid));
    }

    let idle = get_latencies(dir, url, 4, 5.0).await;
    let (paced, late) = get_latencies_at_rate(dir, url, 4, RATE, 5.0).await;
    let base = Idle {
        closed_p99: pct(&idle, 0.99),
        paced_p99: pct(&paced, 0.99),
    };
    println!("GET latency, 4 clients, idle:");
    println!(
        "    closed loop: {} GETs, p50 {:.2} ms, p99 {:.2} ms",
        idle.len(),
        pct(&idle, 0.5),
        base.closed_p99
    );
    println!(
        "    {}: {} GETs ({late} held up), p50 {:.2} ms, p99 {:.2} ms",
        paced_label(),
        paced.len(),
        pct(&paced, 0.5),
        base.paced_p99
    );
    // The list client at normal priority competes for the same two cores as the server and
    // the GET clients; at a lower priority it stands for a list client on another machine.
    // SCALE_LISTS=paged|unpaged and SCALE_PRIORITIES=normal,nice19,idle pick a part.
    let picked = |var: &str, name: &str| {
        std::env::var(var).map_or(true, |v| v.split(',').any(|p| p == name))
    };
    for (kind, limit, name) in [
        ("paged lists (limit=500)", 500, "paged"),
        ("unpaged lists", 0, "unpaged"),
    ] {
        if !picked("SCALE_LISTS", name) {
            continue;
        }
        for prio in ListClient::ALL {
            if !picked("SCALE_PRIORITIES", prio.arg()) {
                continue;
            }
            println!(
                "GET latency, 4 clients, while {kind} run, {}:",
                prio.label()
            );
            under_load(dir, url, limit, prio, &base).await;
        }
    }
    if let Some(pid) = pid {
        println!("mock-apiserver at the end: {}", rss(pid));
    }
}
