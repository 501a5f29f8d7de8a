//! Client bookkeeping: when an operation without an `ok` may be recorded `fail` (no node can
//! still execute it) and when it must be `info`; retries resend the same request id; stale
//! retry timers and stale redirects are ignored.

use faultline::des::ids::NodeId;
use faultline::history::OpType;
use faultline::protocol::Reply;
use faultline::scenario;
use faultline::workload::{Clients, Next, Outcome};

fn clients(extra: &str) -> Clients {
    let text = format!(
        "duration = \"1s\"\n[cluster]\nprotocol = \"raft\"\nnodes = 3\n[workload]\nmodel = \"register\"\nclients = 1\ntimeout = \"1s\"\n{extra}\n"
    );
    let s = scenario::parse_str(&text, "t.toml").unwrap();
    let names: Vec<String> = s.cluster.nodes.clone();
    Clients::new(s.workload.as_ref().unwrap(), &names, 1)
}

fn send(next: Next) -> (NodeId, u64, u32) {
    match next {
        Next::Send {
            node,
            request,
            attempt,
        } => (node, request.id.seq, attempt),
        other => panic!("expected a send, got {other:?}"),
    }
}

fn last_kind(c: &Clients) -> OpType {
    c.history.ops.last().unwrap().kind
}

#[test]
fn a_request_that_never_reached_a_node_times_out_as_fail() {
    let mut c = clients("");
    let (node, seq, _) = send(c.start_op(0, 0));
    c.arrived(0, seq, node, false); // cut off: dropped on arrival
    c.on_timeout(0, seq, 1_000_000_000);
    assert_eq!(last_kind(&c), OpType::Fail);
}

#[test]
fn a_request_a_node_received_times_out_as_info() {
    let mut c = clients("");
    let (node, seq, _) = send(c.start_op(0, 0));
    c.arrived(0, seq, node, true);
    c.on_timeout(0, seq, 1_000_000_000);
    assert_eq!(last_kind(&c), OpType::Info);
}

#[test]
fn a_request_still_in_flight_times_out_as_info() {
    let mut c = clients("");
    let (_, seq, _) = send(c.start_op(0, 0));
    c.on_timeout(0, seq, 1_000_000_000);
    assert_eq!(last_kind(&c), OpType::Info);
}

#[test]
fn a_redirect_refuses_one_copy_not_an_earlier_one() {
    // Sent to n1 (delivered, maybe appended as leader), retried to n2 which redirects to n1,
    // then n1 — now a follower — redirects too: n1 may still commit the first copy.
    let mut c = clients("retry = \"100ms\"\nmax_redirects = 1");
    let (n1, seq, a0) = send(c.start_op(0, 0));
    c.arrived(0, seq, n1, true);
    let (n2, seq2, a1) = send(c.on_retry(0, seq, a0));
    assert_eq!((seq2, a1), (seq, 1), "a retry resends the same request");
    assert_ne!(n2, n1, "to the next node");
    assert_eq!(
        c.on_retry(0, seq, a0),
        Next::Nothing,
        "a stale retry timer is ignored"
    );
    c.arrived(0, seq, n2, true);
    let (to, _, _) = send(c.on_response(0, seq, n2, Outcome::Reply(Reply::Redirect(Some(n1))), 5));
    assert_eq!(to, n1);
    c.arrived(0, seq, n1, true);
    let next = c.on_response(0, seq, n1, Outcome::Reply(Reply::Redirect(None)), 6);
    assert!(
        matches!(next, Next::NextOpAt(_)),
        "redirects exhausted: {next:?}"
    );
    assert_eq!(last_kind(&c), OpType::Info);
}

#[test]
fn refused_everywhere_is_a_definite_fail() {
    let mut c = clients("");
    let (n1, seq, _) = send(c.start_op(0, 0));
    c.arrived(0, seq, n1, false); // the node was down
    c.on_response(0, seq, n1, Outcome::Refused, 3);
    assert_eq!(last_kind(&c), OpType::Fail);
    let o = c.stats.outcomes.last().unwrap();
    assert!(!o.answered, "a refusal is not an answer from the service");
}

#[test]
fn a_cas_mismatch_is_an_answer() {
    let mut c = clients("");
    let (n1, seq, _) = send(c.start_op(0, 0));
    c.arrived(0, seq, n1, true);
    c.on_response(0, seq, n1, Outcome::Reply(Reply::Fail), 3);
    assert_eq!(last_kind(&c), OpType::Fail);
    assert!(c.stats.outcomes.last().unwrap().answered);
}
