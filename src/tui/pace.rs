//! When the console draws its next frame. Input has priority: a key, a click or a paste is
//! drawn at once, unless a frame went out less than [`INPUT_GAP`] ago (then as soon as that gap
//! has passed), so the operator never waits for the frame cap. Everything else that changes the
//! screen (a task's output lines, results, the state watch, the clock) keeps the cap: at most
//! one frame per [`FRAME`], so a stream of 10 000 lines a second costs 50 frames a second, not
//! one per line.

use std::time::{Duration, Instant};

/// The shortest time between two frames for changes other than input: they coalesce under load.
pub(super) const FRAME: Duration = Duration::from_millis(20);
/// The shortest time between two frames when input waits to be seen: a burst of keys (a held
/// key, a key repeat) still coalesces, but a single key is drawn at once.
pub(super) const INPUT_GAP: Duration = Duration::from_millis(4);

/// What is waiting to be drawn, and when the last frame went out.
#[derive(Debug, Clone, Copy)]
pub(super) struct Pace {
    changed: bool,
    input: bool,
    last_draw: Instant,
}

impl Pace {
    /// Nothing waiting; the last frame (none yet) counts as drawn at `now`.
    pub(super) fn new(now: Instant) -> Pace {
        Pace {
            changed: false,
            input: false,
            last_draw: now,
        }
    }

    /// Something on screen changed (task output, a result, the watch, the clock).
    pub(super) fn changed(&mut self) {
        self.changed = true;
    }

    /// The operator's input changed the screen.
    pub(super) fn input(&mut self) {
        self.changed = true;
        self.input = true;
    }

    /// A frame went out at `at`: nothing waits any more.
    pub(super) fn drawn(&mut self, at: Instant) {
        self.changed = false;
        self.input = false;
        self.last_draw = at;
    }

    /// When the next frame is due; none while nothing changed.
    pub(super) fn due(&self) -> Option<Instant> {
        if !self.changed {
            return None;
        }
        let gap = if self.input { INPUT_GAP } else { FRAME };
        Some(self.last_draw + gap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn nothing_changed_draws_nothing() {
        let t0 = Instant::now();
        let mut p = Pace::new(t0);
        assert_eq!(p.due(), None);
        p.changed();
        p.drawn(t0 + ms(20));
        assert_eq!(p.due(), None);
    }

    #[test]
    fn stream_lines_keep_the_frame_cap() {
        let t0 = Instant::now();
        let mut p = Pace::new(t0);
        p.changed();
        assert_eq!(p.due(), Some(t0 + FRAME));
        p.drawn(t0 + FRAME);
        p.changed();
        assert_eq!(p.due(), Some(t0 + FRAME + FRAME));
    }

    /// Under a stream a frame goes out every FRAME; a key pressed 1 ms after one of them is
    /// drawn INPUT_GAP after it, not at the next frame of the stream.
    #[test]
    fn a_key_under_a_stream_does_not_wait_for_the_frame_cap() {
        let t0 = Instant::now();
        let mut p = Pace::new(t0);
        p.drawn(t0);
        p.changed(); // the stream's lines
        p.input(); // the key, at t0 + 1 ms
        let due = p.due().expect("a key waits to be drawn");
        assert_eq!(due, t0 + INPUT_GAP);
        assert!(due < t0 + FRAME, "a key waited for the stream's frame cap");
        // A key long after the last frame is due at once (a time already past).
        let mut p = Pace::new(t0);
        p.input();
        assert!(p.due().expect("due") <= t0 + ms(5));
    }

    #[test]
    fn after_the_keys_frame_the_stream_is_capped_again() {
        let t0 = Instant::now();
        let mut p = Pace::new(t0);
        p.input();
        p.drawn(t0 + INPUT_GAP);
        p.changed();
        assert_eq!(p.due(), Some(t0 + INPUT_GAP + FRAME));
    }
}
