//! Scheduling hints: short time slices for the threads that answer requests, and the lowest
//! class (`SCHED_IDLE`) for bulk work.
//!
//! A test double shares its machine: with the tests that drive it, and in the scale benchmark
//! with a client parsing 50 MB lists on the same two cores. Linux's scheduler (EEVDF) lets a
//! running thread finish its time slice (about 3 ms, and up to one 4 ms tick at `HZ=250`)
//! before a woken thread of the same class runs, unless the woken one asked for a shorter
//! slice (Linux 6.12: `sched_setattr` with `sched_runtime` for `SCHED_OTHER`, at least
//! 0.1 ms). The runtime's threads ask for the shortest: a GET needs well under 0.1 ms of
//! CPU, and waking to it at once keeps other clients' GETs from waiting behind another
//! client's list parsing on the same cores. `scripts/bench-mock.sh`, runs interleaved with and
//! without: fixed-rate GETs beside a paged list client took p99 3.2 ms (6.7-10x idle)
//! without and 1.4-2.5 ms with at normal priority, 2.3-3.3 ms and 1.8-2.0 ms at nice 19.
//! Their share of the CPU is unchanged: the slice sets how soon a thread runs, not how much.
//! Bulk work goes the other way, to `SCHED_IDLE` threads (`http::background`).
//! Nothing changes on kernels before 6.12, on other systems, or for threads under another
//! policy (`chrt`).

/// The slice asked for, in nanoseconds: the least the kernel grants.
pub const SLICE_NS: u64 = 100_000;

/// How many runtime workers answer requests by default: one fewer than the machine's cores,
/// at least one.
///
/// A test double shares its machine with the clients that drive it. Every worker is a thread
/// a request may wake, and a woken thread can land on a core that a client keeps busy and
/// wait there while another core is idle: tokio hands the socket that became readable to the
/// worker parked in the I/O driver, whichever core that worker last ran on. `perf sched`
/// showed a mock worker waiting 1.9 ms behind a list client parsing its pages while the
/// other core went idle. With one worker fewer than the cores, the requests' threads stay on
/// fewer cores and leave one to the clients. On a 2-core machine (one worker instead of two)
/// other clients' GET p99 beside a list client parsing its pages fell by about half, and the
/// GET throughput against nginx did not drop (the load generator takes the other core): the
/// runs are in README, "Other clients' p99 while lists run". Bulk work has threads of its own
/// (`http::background`, the blocking pool, the token controller).
pub fn default_workers() -> usize {
    workers_for(std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get))
}

fn workers_for(cores: usize) -> usize {
    cores.saturating_sub(1).max(1)
}

/// A multi-thread runtime builder whose threads (workers and blocking threads) ask for
/// [`SLICE_NS`] slices as they start.
pub fn runtime_builder() -> tokio::runtime::Builder {
    let mut b = tokio::runtime::Builder::new_multi_thread();
    b.on_thread_start(|| {
        if let Err(e) = ask_for_short_slices() {
            tracing::debug!(error = %e, "runtime thread keeps the default time slice");
        }
    });
    b
}

/// Asks the kernel for [`SLICE_NS`] slices for the calling thread, keeping its policy and
/// nice value. `Ok(false)`: the kernel has no custom slices, or the thread is not
/// `SCHED_OTHER`.
#[cfg(target_os = "linux")]
pub fn ask_for_short_slices() -> std::io::Result<bool> {
    let mut attr = sys::get()?;
    // Before 6.12 the kernel reports no slice for a fair thread: it has no custom ones.
    if attr.policy != libc::SCHED_OTHER as u32 || attr.runtime == 0 {
        return Ok(false);
    }
    attr.runtime = SLICE_NS;
    // Only "reset on fork" is a flag a plain thread may carry; the others ask for changes.
    attr.flags &= sys::SCHED_FLAG_RESET_ON_FORK;
    sys::set(&attr)?;
    Ok(true)
}

#[cfg(not(target_os = "linux"))]
pub fn ask_for_short_slices() -> std::io::Result<bool> {
    Ok(false)
}

/// Puts the calling thread in the `SCHED_IDLE` class (on Linux a scheduling policy is per
/// thread): it runs only on a core no normal thread wants, and a normal thread that wakes up
/// takes the core from it at once. A nice value (even 19) does not do that: the kernel
/// (EEVDF) lets a running thread finish its time slice, about 3 ms, before a woken one
/// of the same class runs. Lowering a priority needs no privilege.
#[cfg(target_os = "linux")]
pub(crate) fn lower_this_thread() -> std::io::Result<()> {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `param` outlives the call, which only reads it; pid 0 is the calling thread.
    let rc = unsafe { libc::sched_setscheduler(0, libc::SCHED_IDLE, &param) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn lower_this_thread() -> std::io::Result<()> {
    Ok(())
}

#[cfg(target_os = "linux")]
mod sys {
    /// `struct sched_attr` as the kernel first defined it (`SCHED_ATTR_SIZE_VER0`).
    #[repr(C)]
    #[derive(Debug, Default, Clone, Copy)]
    pub(super) struct SchedAttr {
        pub size: u32,
        pub policy: u32,
        pub flags: u64,
        pub nice: i32,
        pub priority: u32,
        pub runtime: u64,
        pub deadline: u64,
        pub period: u64,
    }

    pub(super) const SCHED_FLAG_RESET_ON_FORK: u64 = 0x01;

    const SIZE: u32 = std::mem::size_of::<SchedAttr>() as u32;

    /// The calling thread's scheduling attributes.
    pub(super) fn get() -> std::io::Result<SchedAttr> {
        let mut attr = SchedAttr::default();
        // SAFETY: the kernel writes at most SIZE bytes into `attr`, which is that large;
        // pid 0 is the calling thread.
        let rc = unsafe {
            libc::syscall(
                libc::SYS_sched_getattr,
                0,
                &mut attr as *mut SchedAttr,
                SIZE,
                0,
            )
        };
        if rc == 0 {
            Ok(attr)
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    /// Sets the calling thread's scheduling attributes.
    pub(super) fn set(attr: &SchedAttr) -> std::io::Result<()> {
        let attr = SchedAttr {
            size: SIZE,
            ..*attr
        };
        // SAFETY: the kernel reads `attr.size` bytes of `attr`, which is that large.
        let rc = unsafe { libc::syscall(libc::SYS_sched_setattr, 0, &attr as *const SchedAttr, 0) };
        if rc == 0 {
            Ok(())
        } else {
            Err(std::io::Error::last_os_error())
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    /// Whether this kernel has custom slices (6.12+).
    fn supported() -> bool {
        std::thread::spawn(|| sys::get().unwrap().runtime != 0)
            .join()
            .unwrap()
    }

    #[test]
    fn one_core_is_left_to_the_clients_but_one_worker_always_runs() {
        assert_eq!(workers_for(0), 1);
        assert_eq!(workers_for(1), 1);
        assert_eq!(workers_for(2), 1);
        assert_eq!(workers_for(8), 7);
        assert!(default_workers() >= 1);
    }

    #[test]
    fn a_thread_gets_the_short_slice_and_keeps_its_nice_value() {
        let (before, applied, after) = std::thread::spawn(|| {
            // Raising one's own nice value needs no privilege.
            // SAFETY: plain syscalls about the calling thread.
            let rc = unsafe {
                let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
                libc::setpriority(libc::PRIO_PROCESS, tid, 5)
            };
            assert_eq!(rc, 0, "{}", std::io::Error::last_os_error());
            let before = sys::get().unwrap();
            let applied = ask_for_short_slices().unwrap();
            (before, applied, sys::get().unwrap())
        })
        .join()
        .unwrap();
        assert_eq!(after.nice, 5, "{after:?}");
        assert_eq!(after.policy, libc::SCHED_OTHER as u32);
        if supported() {
            assert!(applied);
            assert_ne!(before.runtime, SLICE_NS, "{before:?}");
            assert_eq!(after.runtime, SLICE_NS, "{after:?}");
        } else {
            assert!(!applied);
            assert_eq!(after.runtime, before.runtime);
        }
    }

    #[test]
    fn runtime_threads_ask_for_it_and_others_do_not() {
        let rt = runtime_builder().worker_threads(2).build().unwrap();
        let worker = rt.block_on(async { tokio::spawn(async { sys::get().unwrap() }).await });
        let blocking =
            rt.block_on(async { tokio::task::spawn_blocking(|| sys::get().unwrap()).await });
        let plain = std::thread::spawn(|| sys::get().unwrap()).join().unwrap();
        let (worker, blocking) = (worker.unwrap(), blocking.unwrap());
        if supported() {
            assert_eq!(worker.runtime, SLICE_NS);
            assert_eq!(blocking.runtime, SLICE_NS);
            assert_ne!(plain.runtime, SLICE_NS);
        } else {
            // Without custom slices the runtime's threads are left as any other.
            assert_eq!(
                (worker.runtime, blocking.runtime),
                (plain.runtime, plain.runtime)
            );
        }
        assert_eq!(worker.policy, libc::SCHED_OTHER as u32);
    }
}
