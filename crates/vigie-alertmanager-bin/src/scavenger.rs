//! Handing freed heap back to the kernel after bursts.
//!
//! Alerts arrive in floods and notifications go out in waves: a flush of
//! a hundred groups builds a hundred payloads at once and frees them a
//! moment later. glibc keeps freed memory for reuse, so without help the
//! resident set stays at the high-water mark of the last wave. Go's
//! runtime, which Alertmanager runs on, returns such memory with a
//! background scavenger; this is the same idea for glibc. Every [`PERIOD`]
//! it looks at the heap; when a burst is over (the heap did not move by
//! more than [`SLACK`] in the last period) and the heap moved by more than that
//! since the last trim, `malloc_trim(0)` returns every free page of every
//! arena.
//!
//! So a quiet process is not trimmed again, and a busy one not while it
//! is busy: trimming mid-burst would hand back pages only to fault them in
//! again a moment later.

use std::time::Duration;

/// Heap change, in bytes, that makes a trim worth it.
const SLACK: u64 = 256 * 1024;

/// How often the heap is looked at (`mallinfo2` walks the free lists:
/// microseconds for an alert manager's heap).
const PERIOD: Duration = Duration::from_millis(250);

/// Bytes in use and bytes held free by the allocator, all arenas.
fn heap() -> (u64, u64) {
    // SAFETY: mallinfo2 only reads the allocator's statistics.
    let info = unsafe { libc::mallinfo2() };
    (info.uordblks as u64, info.fordblks as u64)
}

/// Whether the heap moved by more than [`SLACK`] from `before` to `after`
/// (in use either way, or more held free).
fn moved(before: (u64, u64), after: (u64, u64)) -> bool {
    after.0.abs_diff(before.0) > SLACK || after.1 > before.1 + SLACK
}

/// Whether to trim now: the heap moved since the last trim, and not in
/// the last period (the burst is over).
fn worth_trimming(last_trim: (u64, u64), period_ago: (u64, u64), now: (u64, u64)) -> bool {
    moved(last_trim, now) && !moved(period_ago, now)
}

/// Starts the scavenger thread (a failure to start only costs memory).
pub fn start() {
    let spawned = std::thread::Builder::new()
        .name("heap-scavenger".into())
        .stack_size(64 * 1024)
        .spawn(|| {
            let mut last_trim = heap();
            let mut period_ago = last_trim;
            loop {
                std::thread::sleep(PERIOD);
                let now = heap();
                if worth_trimming(last_trim, period_ago, now) {
                    // SAFETY: malloc_trim takes the arenas' locks itself.
                    unsafe { libc::malloc_trim(0) };
                    last_trim = heap();
                }
                period_ago = now;
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "heap scavenger not started: freed memory stays with the allocator");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_heap_that_moved_and_settled_is_trimmed() {
        let base = (10 << 20, 1 << 20);
        let grown = (base.0 + SLACK + 1, base.1);
        // Nothing happened since the last trim.
        assert!(!worth_trimming(base, base, base));
        assert!(!worth_trimming(base, base, (base.0 + SLACK, base.1)));
        // A burst still going on: wait.
        assert!(!worth_trimming(base, base, grown));
        // The burst is over (no change in the last period): trim.
        assert!(worth_trimming(base, grown, grown));
        let shrunk = (base.0 - SLACK - 1, base.1 + 2 * SLACK);
        assert!(worth_trimming(base, shrunk, shrunk));
        // Free memory shrinking (reused) is no reason to trim.
        let reused = (base.0, base.1 - 4096);
        assert!(!worth_trimming(base, reused, reused));
    }

    #[test]
    fn freed_memory_is_given_back() {
        // A burst of allocations freed again leaves glibc holding memory;
        // a trim hands it back (the resident set falls).
        let rss = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
                    line.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .unwrap_or(0)
        };
        let blocks: Vec<Vec<u8>> = (0..2000).map(|i| vec![i as u8; 8 * 1024]).collect();
        // Keep every tenth block, so the freed space has holes the top-of-
        // heap trim alone could not return.
        let kept: Vec<Vec<u8>> = blocks.into_iter().step_by(10).collect();
        let before = rss();
        // SAFETY: as in the scavenger.
        unsafe { libc::malloc_trim(0) };
        let after = rss();
        assert_eq!(kept.len(), 200);
        assert!(
            after + 4 * 1024 < before,
            "at least 4 MiB of the 16 MiB freed returned: {before} KiB -> {after} KiB"
        );
    }
}
