//! A client-side circuit breaker (`[workload] breaker`, `breaker_open`), after Nygard's
//! *Release It!* (2007): after `breaker` operations in a row end unanswered (timed out,
//! refused, turned away by a full queue), the breaker *opens* and the client fails its
//! operations at once, without sending, for `breaker_open`. Then it is *half-open*: the next
//! operation goes out as a trial; if the cluster answers it the breaker closes, otherwise it
//! opens again. It sheds the load of clients that would only wait, so an overloaded service
//! can drain its queue.

use crate::des::time::Nanos;

/// How many unanswered operations in a row open the breaker, and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Unanswered operations in a row that open it.
    pub failures: u32,
    /// How long it stays open.
    pub open_for: Nanos,
}

/// One client's breaker.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Breaker {
    /// Unanswered operations in a row.
    failures: u32,
    /// Open until this time (`None`: closed or half-open).
    open_until: Option<Nanos>,
    /// The operation in flight is the half-open trial.
    trial: bool,
}

impl Breaker {
    /// Whether an operation starting at `now` must fail at once; `Some(t)`: open until `t`.
    /// Past the open period the breaker turns half-open and lets this operation through as
    /// its trial.
    pub fn open_until(&mut self, now: Nanos) -> Option<Nanos> {
        match self.open_until {
            Some(until) if now < until => Some(until),
            Some(_) => {
                self.open_until = None;
                self.trial = true;
                None
            }
            None => None,
        }
    }

    /// An operation ended at `now`; `answered`: the cluster answered it. Returns true when
    /// this opened the breaker.
    pub fn record(&mut self, policy: &BreakerPolicy, answered: bool, now: Nanos) -> bool {
        let trial = std::mem::take(&mut self.trial);
        if answered {
            self.failures = 0;
            return false;
        }
        self.failures += 1;
        if trial || self.failures >= policy.failures {
            self.open_until = Some(now + policy.open_for);
            return true;
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: BreakerPolicy = BreakerPolicy {
        failures: 3,
        open_for: 100,
    };

    #[test]
    fn opens_after_failures_in_a_row_and_half_opens_after_the_period() {
        let mut b = Breaker::default();
        assert!(!b.record(&P, false, 10));
        assert!(!b.record(&P, true, 20), "an answer resets the count");
        assert!(!b.record(&P, false, 30));
        assert!(!b.record(&P, false, 40));
        assert_eq!(b.open_until(41), None);
        assert!(b.record(&P, false, 50), "third in a row opens it");
        assert_eq!(b.open_until(60), Some(150));
        assert_eq!(b.open_until(149), Some(150));
        assert_eq!(b.open_until(150), None, "half-open: the trial goes out");
        assert!(b.record(&P, false, 200), "a failed trial opens it again");
        assert_eq!(b.open_until(250), Some(300));
        assert_eq!(b.open_until(300), None);
        assert!(!b.record(&P, true, 310), "an answered trial closes it");
        assert_eq!(b.open_until(311), None);
        assert!(
            !b.record(&P, false, 320),
            "closed: one failure is not enough"
        );
    }
}
