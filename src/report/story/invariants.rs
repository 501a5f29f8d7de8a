//! Broken protocol invariants as story sentences: the invariant monitor's first break of each
//! invariant (`n1 became leader of term 4 without the entry of term 1 at index 75 that n2
//! committed`), at the step it broke, with node ids named.

use crate::check::invariants::Violation;

/// The break in one sentence, without its time.
pub(super) fn sentence(v: &Violation, names: &[String]) -> String {
    let mut detail = v.detail.clone();
    for (i, n) in names.iter().enumerate().rev() {
        detail = detail.replace(&format!("#{i}"), n);
    }
    let more = match v.count {
        1 => String::new(),
        n => format!(" (and at {} more steps)", n - 1),
    };
    format!("{} breaks: {detail}{more}", v.invariant.name())
}
