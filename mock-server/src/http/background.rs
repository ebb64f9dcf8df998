//! Bulk work at background priority: large list answers that must be built whole (a Table,
//! or indented JSON), since every item is decoded for them. A large plain JSON list is
//! streamed instead (`http::list_answer`), splicing the stored bytes as the connection takes
//! them.
//!
//! kube-apiserver keeps large LISTs from crowding out small requests with API Priority and
//! Fairness: its list work estimator (`apiserver/pkg/util/flowcontrol/request/
//! list_work_estimator.go`) charges a list one seat per 100,000 bytes it loads, where a GET
//! takes one, so a few large lists fill a priority level's seats and wait while GETs go on.
//! The mock has no seats or queues; what a large list takes from other clients here is CPU
//! time. Its analogue hands the work of such an answer of [`HEAVY_BYTES`] or more to a few
//! threads at the lowest priority (Linux's `SCHED_IDLE`): the kernel gives them a core when
//! the runtime's workers (GETs and everything else) leave one, and a worker that wakes up
//! takes it back at once.
//! At most [`THREADS`] such answers are built at once; the others wait their turn.
//!
//! The store's lock is never taken here: a thread that gets the CPU last must not make a
//! writer, and the readers queued behind that writer, wait for it.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};

/// From this size a list costs more than a GET (the list work estimator's bytes per seat): a
/// plain JSON answer is streamed, a Table or indented one goes to the background threads.
pub(crate) const HEAVY_BYTES: usize = 100_000;

/// How many background threads there are: how many large answers are built at once.
pub(crate) const THREADS: usize = 2;

type Job = Box<dyn FnOnce() + Send>;

/// The job could not finish (it panicked).
#[derive(Debug, thiserror::Error)]
#[error("background job failed")]
pub(crate) struct Failed;

/// The queue of the background threads; `None` if none could be started.
fn queue() -> Option<&'static mpsc::Sender<Job>> {
    static QUEUE: OnceLock<Option<mpsc::Sender<Job>>> = OnceLock::new();
    QUEUE.get_or_init(start).as_ref()
}

fn start() -> Option<mpsc::Sender<Job>> {
    let (tx, rx) = mpsc::channel::<Job>();
    let rx: &'static Mutex<mpsc::Receiver<Job>> = Box::leak(Box::new(Mutex::new(rx)));
    let mut started = 0;
    for i in 0..THREADS {
        let spawned = std::thread::Builder::new()
            .name(format!("mock-background-{i}"))
            .spawn(move || {
                if let Err(e) = crate::sched::lower_this_thread() {
                    tracing::warn!(error = %e, "background thread keeps normal priority");
                }
                loop {
                    let job = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(poisoned) => poisoned.into_inner().recv(),
                    };
                    let Ok(job) = job else { return };
                    // A panicking job drops its answer channel (the caller sees `Failed`);
                    // the thread stays for the next one.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            });
        match spawned {
            Ok(_) => started += 1,
            Err(e) => tracing::warn!(error = %e, "cannot start a background thread"),
        }
    }
    (started > 0).then_some(tx)
}

/// Runs `job` on a background thread and waits for its result without holding a runtime
/// worker. Without background threads it runs on the runtime's blocking pool instead.
pub(crate) async fn run<T, F>(job: F) -> Result<T, Failed>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = tx.send(job());
    });
    let unsent = match queue() {
        Some(q) => q.send(job).err().map(|mpsc::SendError(job)| job),
        None => Some(job),
    };
    if let Some(job) = unsent {
        drop(tokio::task::spawn_blocking(job));
    }
    rx.await.map_err(|_| Failed)
}

/// The calling thread's scheduling policy.
#[cfg(all(test, target_os = "linux"))]
fn policy_of_this_thread() -> libc::c_int {
    // SAFETY: pid 0 is the calling thread; nothing is passed by pointer.
    let policy = unsafe { libc::sched_getscheduler(0) };
    assert!(policy >= 0, "{}", std::io::Error::last_os_error());
    policy
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_in_sched_idle_and_the_caller_keeps_its_policy() {
        let before = policy_of_this_thread();
        assert_eq!(run(policy_of_this_thread).await.unwrap(), libc::SCHED_IDLE);
        assert_eq!(policy_of_this_thread(), before);
        assert_ne!(before, libc::SCHED_IDLE);
        // Every background thread is lowered, not only the one that happened to answer: each
        // of these jobs waits until all have started, which takes every thread at once.
        let started = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let jobs: Vec<_> = (0..THREADS)
            .map(|_| {
                let started = started.clone();
                tokio::spawn(run(move || {
                    started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
                    while started.load(std::sync::atomic::Ordering::SeqCst) < THREADS
                        && std::time::Instant::now() < deadline
                    {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    let name = std::thread::current().name().map(str::to_string);
                    (name, policy_of_this_thread())
                }))
            })
            .collect();
        let mut all = Vec::new();
        for j in jobs {
            all.push(j.await.unwrap().unwrap());
        }
        let mut names: Vec<_> = all.iter().map(|(n, _)| n.clone().unwrap()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), THREADS, "{names:?}");
        assert!(all.iter().all(|(_, p)| *p == libc::SCHED_IDLE), "{all:?}");
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let failed = run(|| -> u8 { panic!("job panics on purpose") }).await;
        assert!(failed.is_err());
        for _ in 0..2 * THREADS {
            assert_eq!(run(|| 7).await.unwrap(), 7);
        }
    }
}
