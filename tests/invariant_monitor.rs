//! The invariant monitor on hand-built node states: each invariant is broken on purpose and
//! must be caught at the step that broke it, and correct histories of steps must pass.

use faultline::check::invariants::{check_invariants, Invariant, Monitor};
use faultline::des::ids::NodeId;
use faultline::protocol::{
    chain_digest, ClientRequest, Context, EntryView, Observation, Protocol, Role,
};

/// A node state the test sets directly: role, term, log terms, commit and applied.
#[derive(Clone, Debug, Default)]
struct Fake {
    role: Role,
    term: u64,
    log: Vec<(u64, u64)>,
    commit: u64,
    applied: u64,
}

impl Fake {
    /// A log of entries with these terms; `payload` tells entries of equal term apart.
    fn with_log(terms: &[(u64, u64)]) -> Fake {
        let mut f = Fake::default();
        let mut prev = 0;
        for &(term, payload) in terms {
            prev = chain_digest(prev, term, payload);
            f.log.push((term, prev));
        }
        f
    }
    fn lead(mut self, term: u64) -> Fake {
        self.role = Role::Leader;
        self.term = term;
        self
    }
    fn commit(mut self, c: u64) -> Fake {
        self.commit = c;
        self.applied = c;
        self
    }
}

impl Protocol for Fake {
    const NAME: &'static str = "fake";
    type Params = ();
    type Msg = ();
    type Timer = ();
    type Durable = ();
    type Write = ();
    fn apply_write(_: &mut (), _: ()) {}
    fn start(_: &(), _: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        Fake::default()
    }
    fn on_message(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Context<'_, Self>, _: ()) {}
    fn on_client(&mut self, _: &mut Context<'_, Self>, _: ClientRequest) {}
    fn observe(&self) -> Observation {
        Observation {
            role: self.role,
            term: self.term,
            log_len: self.log.len() as u64,
            commit: self.commit,
            applied: self.applied,
        }
    }
    const HAS_LOG: bool = true;
    fn log_entry(&self, index: u64) -> Option<EntryView> {
        let (term, chain) = *self.log.get(index.checked_sub(1)? as usize)?;
        Some(EntryView {
            term,
            chain,
            request: None,
        })
    }
}

fn n(i: u32) -> NodeId {
    NodeId(i)
}

fn broken(m: &Monitor) -> Vec<Invariant> {
    m.violations().iter().map(|v| v.invariant).collect()
}

#[test]
fn a_correct_sequence_of_steps_passes() {
    let mut m = Monitor::new(3);
    let leader = Fake::with_log(&[(1, 0), (1, 1)]).lead(1);
    m.after_step(n(0), &leader, (1, 1));
    m.after_step(n(1), &Fake::with_log(&[(1, 0)]), (2, 2));
    m.after_step(n(0), &leader.clone().commit(1), (3, 3));
    m.after_step(n(1), &Fake::with_log(&[(1, 0), (1, 1)]).commit(2), (4, 4));
    // A new leader of term 2 holding every committed entry, appending its own.
    m.after_step(
        n(2),
        &Fake::with_log(&[(1, 0), (1, 1), (2, 0)]).lead(2),
        (5, 5),
    );
    assert!(m.violations().is_empty(), "{:?}", m.violations());
    assert_eq!(check_invariants(m.violations(), &[]).verdict.name(), "pass");
}

#[test]
fn two_leaders_in_one_term_break_election_safety() {
    let mut m = Monitor::new(3);
    m.after_step(n(0), &Fake::default().lead(4), (10, 1));
    m.after_step(n(1), &Fake::default().lead(5), (11, 2));
    assert!(m.violations().is_empty());
    m.after_step(n(2), &Fake::default().lead(4), (12, 3));
    assert_eq!(broken(&m), vec![Invariant::ElectionSafety]);
    let v = &m.violations()[0];
    assert_eq!((v.time, v.step, v.nodes.clone()), (12, 3, vec![n(2), n(0)]));
    let names = ["a".to_string(), "b".into(), "c".into()];
    let r = check_invariants(m.violations(), &names);
    assert!(
        r.witness[0].contains("c became leader of term 4 while a already led"),
        "{r:?}"
    );
}

#[test]
fn a_leader_truncating_its_own_log_breaks_append_only() {
    let mut m = Monitor::new(2);
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (1, 1)]).lead(1), (1, 1));
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (1, 7)]).lead(1), (2, 2));
    assert!(broken(&m).contains(&Invariant::LeaderAppendOnly));
    // A follower truncating a conflicting suffix is fine.
    let mut m = Monitor::new(2);
    m.after_step(n(1), &Fake::with_log(&[(1, 0), (1, 1)]), (1, 1));
    m.after_step(n(1), &Fake::with_log(&[(1, 0), (2, 1)]), (2, 2));
    assert!(m.violations().is_empty());
}

#[test]
fn same_index_and_term_with_different_prefixes_breaks_log_matching() {
    let mut m = Monitor::new(2);
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (2, 0)]), (1, 1));
    m.after_step(n(1), &Fake::with_log(&[(1, 9), (2, 0)]), (2, 2));
    assert_eq!(broken(&m), vec![Invariant::LogMatching]);
}

#[test]
fn a_leader_without_a_committed_entry_breaks_completeness() {
    let mut m = Monitor::new(3);
    m.after_step(
        n(0),
        &Fake::with_log(&[(1, 0), (1, 1)]).lead(1).commit(2),
        (1, 1),
    );
    m.after_step(n(1), &Fake::with_log(&[(1, 0)]).lead(2), (2, 2));
    assert_eq!(broken(&m), vec![Invariant::LeaderCompleteness]);
    assert!(
        m.violations()[0].detail.contains("index 2"),
        "{:?}",
        m.violations()
    );
}

#[test]
fn committing_or_applying_different_entries_at_one_index_breaks_state_machine_safety() {
    let mut m = Monitor::new(3);
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (2, 0)]).commit(2), (1, 1));
    m.after_step(n(1), &Fake::with_log(&[(1, 0), (3, 0)]).commit(2), (2, 2));
    assert_eq!(broken(&m), vec![Invariant::StateMachineSafety]);
    assert!(m.violations()[0].detail.contains("index 2"));
}

#[test]
fn a_crash_forgets_the_shadow_but_not_what_was_committed() {
    let mut m = Monitor::new(2);
    m.after_step(
        n(0),
        &Fake::with_log(&[(1, 0), (1, 1)]).lead(1).commit(2),
        (1, 1),
    );
    m.crashed(n(0));
    // Restarted from disk as a follower, re-applying from scratch: fine.
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (1, 1)]), (2, 2));
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (1, 1)]).commit(2), (3, 3));
    assert!(m.violations().is_empty(), "{:?}", m.violations());
    // Counting repeated breaks: the first is kept, the count grows.
    m.after_step(n(1), &Fake::with_log(&[(2, 0)]).commit(1), (4, 4));
    m.after_step(n(1), &Fake::with_log(&[(2, 0), (2, 1)]).commit(2), (5, 5));
    assert_eq!(m.violations().len(), 1);
    assert!(m.violations()[0].count >= 1);
}

#[test]
fn a_leader_of_an_old_term_elected_late_is_not_held_to_later_commits() {
    // Votes for term 1 were delayed (the candidate was paused) while a leader of term 3
    // committed; the term-1 leader lacks that entry, which the paper does not require.
    let mut m = Monitor::new(3);
    m.after_step(n(0), &Fake::with_log(&[(3, 0)]).lead(3).commit(1), (1, 1));
    m.after_step(n(2), &Fake::default().lead(1), (2, 2));
    assert!(m.violations().is_empty(), "{:?}", m.violations());
    // A leader of a later term must hold it.
    m.after_step(n(1), &Fake::default().lead(4), (3, 3));
    assert_eq!(broken(&m), vec![Invariant::LeaderCompleteness]);
}

#[test]
fn rewriting_committed_entries_is_caught_even_if_the_commit_index_stays() {
    let mut m = Monitor::new(2);
    m.after_step(n(0), &Fake::with_log(&[(1, 0), (1, 1)]).commit(2), (1, 1));
    // The same node rewrites index 2 and keeps commit index 2.
    let mut f = Fake::with_log(&[(1, 0), (2, 5)]);
    f.commit = 2;
    f.applied = 2;
    m.after_step(n(0), &f, (2, 2));
    assert_eq!(broken(&m), vec![Invariant::StateMachineSafety]);
}

/// A protocol whose `observe()` claims more entries than `log_entry` gives.
#[derive(Clone, Debug, Default)]
struct Liar(Fake);

impl Protocol for Liar {
    const NAME: &'static str = "liar";
    type Params = ();
    type Msg = ();
    type Timer = ();
    type Durable = ();
    type Write = ();
    fn apply_write(_: &mut (), _: ()) {}
    fn start(_: &(), _: &mut Context<'_, Self>, _: Option<&()>) -> Self {
        Liar::default()
    }
    fn on_message(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Context<'_, Self>, _: ()) {}
    fn on_client(&mut self, _: &mut Context<'_, Self>, _: ClientRequest) {}
    fn observe(&self) -> Observation {
        Observation {
            log_len: self.0.log.len() as u64 + 2,
            commit: self.0.log.len() as u64 + 2,
            ..self.0.observe()
        }
    }
    const HAS_LOG: bool = true;
    fn log_entry(&self, index: u64) -> Option<EntryView> {
        self.0.log_entry(index)
    }
}

#[test]
fn an_observation_the_log_does_not_back_is_reported_not_a_panic() {
    let mut m = Monitor::new(2);
    m.after_step(n(0), &Liar(Fake::with_log(&[(1, 0)])), (1, 1));
    m.after_step(n(1), &Liar(Fake::default()), (2, 2));
    assert_eq!(broken(&m), vec![Invariant::ConsistentView]);
    let r = check_invariants(m.violations(), &["a".into(), "b".into()]);
    assert!(r.witness[0].contains("log_entry(3) is None"), "{r:?}");
    assert_eq!(m.violations()[0].count, 2);
}
