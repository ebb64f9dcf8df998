//! A one-line progress bar on stderr, drawn only when stderr is a terminal (a pipe or a
//! log file gets nothing but the final table).

use std::cell::Cell;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Width of the bar between the brackets.
const WIDTH: usize = 30;
/// Redraw at most this often (a thousand accounts finish faster than a terminal needs).
const EVERY: Duration = Duration::from_millis(80);

/// Counts finished items and redraws `[#####.....] 12/40 accounts, 1 failed, 0.8s`.
pub struct Progress {
    total: usize,
    noun: &'static str,
    done: Cell<usize>,
    failed: Cell<usize>,
    started: Instant,
    drawn: Cell<Option<Instant>>,
    enabled: bool,
}

impl Progress {
    /// A bar for `total` items, drawn if stderr is a terminal.
    pub fn new(total: usize, noun: &'static str) -> Self {
        Progress {
            total,
            noun,
            done: Cell::new(0),
            failed: Cell::new(0),
            started: Instant::now(),
            drawn: Cell::new(None),
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// One more item finished (`failed` if it did not work).
    pub fn tick(&self, failed: bool) {
        self.done.set(self.done.get() + 1);
        if failed {
            self.failed.set(self.failed.get() + 1);
        }
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let due = self.drawn.get().is_none_or(|t| now - t >= EVERY);
        if due || self.done.get() == self.total {
            self.drawn.set(Some(now));
            let mut err = std::io::stderr().lock();
            // A progress line that cannot be drawn is not worth failing for.
            let _ = write!(err, "\r\x1b[K{}", self.line(now - self.started));
            let _ = err.flush();
        }
    }

    /// Clears the bar (before the table is printed).
    pub fn finish(&self) {
        if self.enabled && self.drawn.get().is_some() {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[K");
            let _ = err.flush();
        }
    }

    fn line(&self, elapsed: Duration) -> String {
        let (done, total) = (self.done.get(), self.total.max(1));
        let filled = (done * WIDTH / total).min(WIDTH);
        let mut s = format!(
            "[{}{}] {done}/{} {}",
            "#".repeat(filled),
            ".".repeat(WIDTH - filled),
            self.total,
            self.noun
        );
        if self.failed.get() > 0 {
            s.push_str(&format!(", {} failed", self.failed.get()));
        }
        s.push_str(&format!(", {:.1}s", elapsed.as_secs_f64()));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_shows_the_share_done_and_the_failures() {
        let p = Progress::new(40, "accounts");
        for i in 0..12 {
            p.tick(i == 3);
        }
        assert_eq!(
            p.line(Duration::from_millis(800)),
            "[#########.....................] 12/40 accounts, 1 failed, 0.8s"
        );
        let empty = Progress::new(0, "accounts");
        assert_eq!(
            empty.line(Duration::ZERO),
            "[..............................] 0/0 accounts, 0.0s"
        );
    }
}
