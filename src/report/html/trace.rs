//! Reads a run's JSON trace lines (the documented format, docs/guide.md "Traces and
//! determinism") as they are written, and keeps only what the space-time diagram draws:
//! messages from send to fate, nodes' down periods, client traffic, protocol notes. It is a
//! [`Write`] sink, so a run asked for a report hands it to [`crate::des::trace::Trace`] and
//! nothing is buffered whole; a run without a report never formats a line.

use serde::Deserialize;
use std::collections::HashMap;
use std::io::Write;

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fate {
    /// Delivered and handled.
    Delivered,
    /// Lost by the network when sent.
    Lost,
    /// Dropped because the link was cut.
    Cut,
    /// Dropped because the destination was down.
    Crashed,
    /// Still in flight when the run ended.
    InFlight,
}

impl Fate {
    /// The number the page's data uses.
    pub fn code(self) -> u8 {
        match self {
            Fate::Delivered => 0,
            Fate::Lost => 1,
            Fate::Cut => 2,
            Fate::Crashed => 3,
            Fate::InFlight => 4,
        }
    }
}

/// One message between nodes.
#[derive(Clone, Debug)]
pub struct Message {
    /// Its id.
    pub id: u64,
    /// Sender's lane (node index).
    pub from: u32,
    /// Destination's lane.
    pub to: u32,
    /// When it was sent.
    pub sent: u64,
    /// When it met its fate (the send time for a loss; the run's end when in flight).
    pub end: u64,
    /// Its fate.
    pub fate: Fate,
    /// Index of its kind (the message's first word) in [`Collected::kinds`].
    pub kind: u32,
    /// The id it duplicates, for a network copy.
    pub of: Option<u64>,
}

/// A period a node was down.
#[derive(Clone, Debug)]
pub struct Down {
    /// The node's lane.
    pub node: u32,
    /// From.
    pub start: u64,
    /// Until (the run's end when it never came back).
    pub end: Option<u64>,
    /// Paused (else crashed).
    pub paused: bool,
}

/// A client request or reply in flight between a client and a node.
#[derive(Clone, Debug)]
pub struct ClientTrip {
    /// The client.
    pub client: u32,
    /// The node's lane.
    pub node: u32,
    /// Leaves at.
    pub sent: u64,
    /// Arrives at.
    pub arrive: u64,
    /// A reply (else a request).
    pub reply: bool,
}

/// What the diagram needs from a trace.
#[derive(Debug, Default)]
pub struct Collected {
    /// Messages, in send order.
    pub messages: Vec<Message>,
    /// Message kinds, by first appearance.
    pub kinds: Vec<String>,
    /// Down periods of nodes.
    pub down: Vec<Down>,
    /// Client traffic.
    pub client: Vec<ClientTrip>,
    /// Protocol notes: node lane, time, text (shortened).
    pub notes: Vec<(u32, u64, String)>,
    /// The last time seen.
    pub end: u64,
}

/// The longest note kept, in characters.
const NOTE_CHARS: usize = 160;

/// The fields of a trace line the diagram reads.
#[derive(Deserialize)]
struct Line<'a> {
    t: u64,
    #[serde(borrow)]
    ev: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    node: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    to: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    of: Option<u64>,
    #[serde(default, borrow)]
    reason: Option<std::borrow::Cow<'a, str>>,
    #[serde(default, borrow)]
    detail: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    client: Option<u32>,
    #[serde(default)]
    arrive: Option<u64>,
}

/// A [`Write`] sink that reads trace lines as they come, optionally passing every byte on
/// to another writer (the `--trace` file).
pub struct TraceCollector<'w> {
    tee: Option<&'w mut dyn Write>,
    partial: Vec<u8>,
    lanes: HashMap<String, u32>,
    kind_index: HashMap<String, u32>,
    /// Position in `messages` of each id not yet met its fate.
    open: HashMap<u64, usize>,
    out: Collected,
}

impl<'w> TraceCollector<'w> {
    /// A collector for a run of the nodes `nodes` (their lane order), passing the lines on
    /// to `tee` if given.
    pub fn new(nodes: &[String], tee: Option<&'w mut dyn Write>) -> Self {
        TraceCollector {
            tee,
            partial: Vec::new(),
            lanes: nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.clone(), i as u32))
                .collect(),
            kind_index: HashMap::new(),
            open: HashMap::new(),
            out: Collected::default(),
        }
    }

    /// What was collected; messages without a fate are in flight until `end`.
    pub fn finish(mut self, end: u64) -> Collected {
        let end = end.max(self.out.end);
        for (_, i) in self.open.drain() {
            let m = &mut self.out.messages[i];
            m.end = end;
            m.fate = Fate::InFlight;
        }
        for d in &mut self.out.down {
            d.end.get_or_insert(end);
        }
        self.out.end = end;
        self.out
    }

    fn lane(&self, name: Option<&str>) -> Option<u32> {
        name.and_then(|n| self.lanes.get(n).copied())
    }

    fn kind(&mut self, detail: Option<&str>) -> u32 {
        let d = detail.unwrap_or_default();
        let word: String = d
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let word = if word.is_empty() || word.chars().all(|c| c.is_ascii_digit()) {
            "message".to_string()
        } else {
            word
        };
        if let Some(&k) = self.kind_index.get(&word) {
            return k;
        }
        let k = self.out.kinds.len() as u32;
        self.out.kinds.push(word.clone());
        self.kind_index.insert(word, k);
        k
    }

    fn line(&mut self, text: &[u8]) {
        let Ok(l) = serde_json::from_slice::<Line<'_>>(text) else {
            return;
        };
        self.out.end = self.out.end.max(l.t);
        let node = self.lane(l.node.as_deref());
        match (l.ev.as_ref(), node, l.id) {
            ("send" | "duplicate", Some(from), Some(id)) => {
                let Some(to) = self.lane(l.to.as_deref()) else {
                    return;
                };
                let kind = match l.of.and_then(|of| self.open.get(&of).copied()) {
                    Some(i) => self.out.messages[i].kind,
                    None => self.kind(l.detail.as_deref()),
                };
                self.open.insert(id, self.out.messages.len());
                self.out.messages.push(Message {
                    id,
                    from,
                    to,
                    sent: l.t,
                    end: l.t,
                    fate: Fate::InFlight,
                    kind,
                    of: l.of,
                });
            }
            ("deliver" | "drop", _, Some(id)) => {
                if let Some(i) = self.open.remove(&id) {
                    let m = &mut self.out.messages[i];
                    m.end = l.t;
                    m.fate = match l.reason.as_deref() {
                        None => Fate::Delivered,
                        Some("loss") => Fate::Lost,
                        Some("cut") => Fate::Cut,
                        Some(_) => Fate::Crashed,
                    };
                }
            }
            ("crash" | "pause", Some(n), _) => {
                self.close_down(n, l.t);
                self.out.down.push(Down {
                    node: n,
                    start: l.t,
                    end: None,
                    paused: l.ev == "pause",
                });
            }
            ("restart" | "resume", Some(n), _) => self.close_down(n, l.t),
            ("client-send" | "reply", Some(n), _) => {
                if let (Some(client), Some(arrive)) = (l.client, l.arrive) {
                    self.out.client.push(ClientTrip {
                        client,
                        node: n,
                        sent: l.t,
                        arrive,
                        reply: l.ev == "reply",
                    });
                }
            }
            ("note", Some(n), _) => {
                let text: String = l
                    .detail
                    .as_deref()
                    .unwrap_or_default()
                    .chars()
                    .take(NOTE_CHARS)
                    .collect();
                self.out.notes.push((n, l.t, text));
            }
            _ => {}
        }
    }

    fn close_down(&mut self, node: u32, at: u64) {
        if let Some(d) = self
            .out
            .down
            .iter_mut()
            .rev()
            .find(|d| d.node == node && d.end.is_none())
        {
            d.end = Some(at);
        }
    }
}

impl Write for TraceCollector<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(t) = self.tee.as_mut() {
            t.write_all(buf)?;
        }
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            if self.partial.is_empty() {
                self.line(&rest[..nl]);
            } else {
                self.partial.extend_from_slice(&rest[..nl]);
                let whole = std::mem::take(&mut self.partial);
                self.line(&whole);
            }
            rest = &rest[nl + 1..];
        }
        self.partial.extend_from_slice(rest);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self.tee.as_mut() {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_become_messages_with_fates() {
        let nodes = vec!["n1".to_string(), "n2".to_string()];
        let mut c = TraceCollector::new(&nodes, None);
        let text = concat!(
            "{\"t\":1,\"ev\":\"send\",\"node\":\"n1\",\"to\":\"n2\",\"id\":1,\"detail\":\"Ping { x: 1 }\"}\n",
            "{\"t\":1,\"ev\":\"duplicate\",\"node\":\"n1\",\"to\":\"n2\",\"id\":2,\"of\":1}\n",
            "{\"t\":2,\"ev\":\"send\",\"node\":\"n2\",\"to\":\"n1\",\"id\":3,\"detail\":\"Pong\"}\n",
            "{\"t\":2,\"ev\":\"drop\",\"node\":\"n1\",\"id\":3,\"reason\":\"loss\"}\n",
            "{\"i\":0,\"t\":5,\"ev\":\"deliver\",\"node\":\"n2\",\"id\":1,\"detail\":\"from n1 Ping { x: 1 }\"}\n",
            "{\"t\":6,\"ev\":\"crash\",\"node\":\"n2\",\"detail\":\"script\"}\n",
            "{\"t\":7,\"ev\":\"note\",\"node\":\"n1\",\"detail\":\"leader\"}\n",
        );
        // Split mid-line to check the partial-line handling.
        let (a, b) = text.as_bytes().split_at(37);
        c.write_all(a).unwrap();
        c.write_all(b).unwrap();
        let got = c.finish(10);
        assert_eq!(got.kinds, ["Ping", "Pong"]);
        let fates: Vec<_> = got.messages.iter().map(|m| (m.id, m.fate, m.end)).collect();
        assert_eq!(
            fates,
            [
                (1, Fate::Delivered, 5),
                (2, Fate::InFlight, 10),
                (3, Fate::Lost, 2)
            ]
        );
        assert_eq!(got.messages[1].of, Some(1));
        assert_eq!(got.messages[1].kind, 0);
        assert_eq!(got.down.len(), 1);
        assert_eq!(got.down[0].end, Some(10));
        assert_eq!(got.notes, [(0, 7, "leader".to_string())]);
    }
}
