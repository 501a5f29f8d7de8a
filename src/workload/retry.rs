//! Client retry policy (`[workload] retry`, `retry_backoff`, `retry_multiplier`, `retry_cap`,
//! `retry_jitter`, `retry_limit`). `retry` is the attempt timeout: how long a client waits
//! for an answer before it counts the send as failed. Before resending it then sleeps a
//! backoff: `retry_backoff × retry_multiplier^k` before resend `k + 1` (0 by default: resend at
//! once), capped at `retry_cap`, then jittered — `full` draws the sleep uniformly from
//! `[0, sleep]`, `equal` from `[sleep/2, sleep]` (Brooker, "Exponential Backoff And Jitter",
//! AWS Architecture Blog, 2015). A send refused at once (node down, queue full) sleeps the same
//! backoff before the resend. Without backoff every waiting client resends at a fixed rate,
//! which is what turns a brief slowdown into a retry storm (see
//! `scenarios/raft-retry-storm.toml`).
//!
//! Only basic float arithmetic is used, and the jitter comes from each client's own stream,
//! so the delays are the same on every machine (DESIGN §3).

use crate::des::rng::Stream;
use crate::des::time::{format_duration, Nanos};
use crate::des::words::word_enum;

word_enum! {
    /// How a backoff sleep is randomised (`[workload] retry_jitter`).
    pub Jitter {
        /// The sleep as computed.
        None = "none",
        /// Uniform in `[0, sleep]`.
        Full = "full",
        /// Uniform in `[sleep / 2, sleep]`.
        Equal = "equal",
    }
}

/// When and how often a client resends an unanswered request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// The attempt timeout: how long to wait for an answer to one send.
    pub timeout: Nanos,
    /// The first backoff sleep before a resend (0: resend at once).
    pub backoff: Nanos,
    /// Each further sleep is this many times the previous.
    pub multiplier: f64,
    /// No sleep is longer than this.
    pub cap: Nanos,
    /// How sleeps are randomised.
    pub jitter: Jitter,
    /// At most this many resends per operation (`None`: until its timeout).
    pub limit: Option<u32>,
}

impl RetryPolicy {
    /// Resend at once after each attempt timeout, no limit: what `retry = "…"` alone means.
    pub fn fixed(timeout: Nanos) -> RetryPolicy {
        RetryPolicy {
            timeout,
            backoff: 0,
            multiplier: 2.0,
            cap: Nanos::MAX,
            jitter: Jitter::None,
            limit: None,
        }
    }

    /// In words: `retry after 50ms`, or `retry after 50ms, backoff 25ms ×2 up to 1s, full
    /// jitter, at most 3 resends`.
    pub fn describe(&self) -> String {
        let mut text = format!("retry after {}", format_duration(self.timeout));
        if self.backoff > 0 {
            text.push_str(&format!(
                ", backoff {} ×{}",
                format_duration(self.backoff),
                self.multiplier
            ));
            if self.cap < Nanos::MAX {
                text.push_str(&format!(" up to {}", format_duration(self.cap)));
            }
        }
        if self.jitter != Jitter::None && self.backoff > 0 {
            text.push_str(&format!(", {} jitter", Jitter::WORDS[self.jitter as usize]));
        }
        if let Some(l) = self.limit {
            text.push_str(&format!(", at most {l} resends"));
        }
        text
    }

    /// Whether an operation that has been resent `resends` times may be resent again.
    pub fn may_resend(&self, resends: u32) -> bool {
        !matches!(self.limit, Some(l) if resends >= l)
    }

    /// The backoff sleep before resend number `resends + 1`, drawing jitter from `rng`
    /// (nothing is drawn without backoff or with [`Jitter::None`]).
    pub fn sleep(&self, resends: u32, rng: &mut Stream) -> Nanos {
        if self.backoff == 0 {
            return 0;
        }
        let cap = self.cap as f64;
        let mut sleep = self.backoff as f64;
        for _ in 0..resends {
            if sleep >= cap {
                break;
            }
            sleep *= self.multiplier;
        }
        let sleep = sleep.min(cap) as Nanos;
        match self.jitter {
            Jitter::None => sleep,
            Jitter::Full => rng.below(sleep + 1),
            Jitter::Equal => sleep / 2 + rng.below(sleep - sleep / 2 + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::des::time::MILLIS;

    fn policy(jitter: Jitter) -> RetryPolicy {
        RetryPolicy {
            timeout: 50 * MILLIS,
            backoff: 25 * MILLIS,
            multiplier: 2.0,
            cap: 150 * MILLIS,
            jitter,
            limit: Some(3),
        }
    }

    #[test]
    fn sleeps_double_up_to_the_cap() {
        let mut rng = Stream::new(1, "t");
        let p = policy(Jitter::None);
        let sleeps: Vec<Nanos> = (0..5).map(|k| p.sleep(k, &mut rng) / MILLIS).collect();
        assert_eq!(sleeps, vec![25, 50, 100, 150, 150]);
        let fixed = RetryPolicy::fixed(20 * MILLIS);
        assert_eq!(fixed.sleep(7, &mut rng), 0, "no backoff: resend at once");
        assert!(fixed.may_resend(1_000_000));
        assert_eq!(fixed.describe(), "retry after 20ms");
        assert_eq!(
            policy(Jitter::Full).describe(),
            "retry after 50ms, backoff 25ms ×2 up to 150ms, full jitter, at most 3 resends"
        );
    }

    #[test]
    fn jitter_stays_in_its_range_and_is_seeded() {
        for (jitter, low) in [(Jitter::Full, 0.0), (Jitter::Equal, 0.5)] {
            let p = policy(jitter);
            let mut rng = Stream::new(7, "t");
            let mut again = Stream::new(7, "t");
            let mut unused = Stream::new(0, "x");
            for k in 0..50 {
                let s = p.sleep(k % 4, &mut rng);
                let full = policy(Jitter::None).sleep(k % 4, &mut unused);
                assert!(
                    s as f64 >= low * full as f64 - 1.0 && s <= full,
                    "{jitter:?} {s}"
                );
                assert_eq!(s, p.sleep(k % 4, &mut again), "same stream, same sleeps");
            }
        }
    }

    #[test]
    fn the_limit_counts_resends() {
        let p = policy(Jitter::None);
        assert!(p.may_resend(2));
        assert!(!p.may_resend(3));
    }
}
