//! The replicated state of `primary-backup`: the in-memory [`Store`] (the shared store of
//! [`crate::ops`] with its position in the primary's history), the durable image a node
//! recovers after a crash ([`Durable`]) and the durable writes ([`Write`]) that build it.
//! Owns no messaging or timing; every write is applied to the image in issue order.

use crate::des::ids::NodeId;
use crate::ops::Update;

/// The replicated data: the shared store of registers, lists, sets and counters.
pub type Map = crate::ops::Store;

/// What a node recovers after a crash: its epoch and vote, and its state with the position
/// `(state_epoch, applied_seq)` that state is at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Durable {
    /// The epoch the node last adopted (0 before anything was persisted: read as 1).
    pub epoch: u64,
    /// The last vote the node cast: `(epoch, candidate)`; votes only go up in epoch.
    pub voted: Option<(u64, NodeId)>,
    /// Epoch of the primary whose history the state is a prefix of.
    pub state_epoch: u64,
    /// Number of writes of that history the state contains.
    pub applied_seq: u64,
    /// The state itself.
    pub map: Map,
}

/// One durable write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Write {
    /// The node adopted `epoch` (a newer primary or a vote it granted).
    Epoch(u64),
    /// The node voted for `candidate` in `epoch` (possibly itself).
    Vote {
        /// The epoch voted in.
        epoch: u64,
        /// The node voted for.
        candidate: NodeId,
    },
    /// The node became primary of `epoch`: its state now belongs to that epoch's history.
    Promote {
        /// The new epoch.
        epoch: u64,
    },
    /// One write of the history applied to the state.
    Apply {
        /// Epoch of the primary that ordered the write.
        state_epoch: u64,
        /// The write's sequence number.
        seq: u64,
        /// Its effects.
        update: Update,
    },
    /// A snapshot from the primary replaced the state.
    Install {
        /// Epoch of the primary that sent it.
        state_epoch: u64,
        /// Number of writes it contains.
        seq: u64,
        /// The state.
        map: Map,
    },
}

/// Applies one completed durable write to the image.
pub fn apply_write(d: &mut Durable, write: Write) {
    match write {
        Write::Epoch(e) => d.epoch = d.epoch.max(e),
        Write::Vote { epoch, candidate } => d.voted = Some((epoch, candidate)),
        Write::Promote { epoch } => {
            d.epoch = d.epoch.max(epoch);
            d.state_epoch = epoch;
        }
        Write::Apply {
            state_epoch,
            seq,
            update,
        } => {
            d.map.apply_update(&update);
            d.state_epoch = state_epoch;
            d.applied_seq = seq;
        }
        Write::Install {
            state_epoch,
            seq,
            map,
        } => {
            d.map = map;
            d.state_epoch = state_epoch;
            d.applied_seq = seq;
        }
    }
}

/// The in-memory state machine with its position in the primary's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    /// The data.
    pub map: Map,
    /// Epoch of the primary whose history this state is a prefix of.
    pub state_epoch: u64,
    /// Writes of that history applied.
    pub applied_seq: u64,
}

impl Store {
    /// The empty initial state, which is the start of epoch 1's history.
    pub fn initial() -> Store {
        Store {
            map: Map::new(),
            state_epoch: 1,
            applied_seq: 0,
        }
    }

    /// The state a restarted node recovers (nothing persisted reads as the initial state).
    pub fn recover(d: &Durable) -> Store {
        Store {
            map: d.map.clone(),
            state_epoch: d.state_epoch.max(1),
            applied_seq: d.applied_seq,
        }
    }

    /// `(state_epoch, applied_seq)`: compared lexicographically, higher is more up to date.
    pub fn position(&self) -> (u64, u64) {
        (self.state_epoch, self.applied_seq)
    }

    /// Applies write `seq` of `state_epoch`'s history (a committed transaction's effects)
    /// and returns the durable write for it.
    pub fn apply(&mut self, state_epoch: u64, seq: u64, update: Update) -> Write {
        self.map.apply_update(&update);
        self.state_epoch = state_epoch;
        self.applied_seq = seq;
        Write::Apply {
            state_epoch,
            seq,
            update,
        }
    }

    /// Records that write `seq` of `state_epoch`'s history, whose effects are `update`, was
    /// applied to the data directly (the primary applies a transaction to decide it); returns
    /// the durable write for it.
    pub fn applied(&mut self, state_epoch: u64, seq: u64, update: Update) -> Write {
        self.state_epoch = state_epoch;
        self.applied_seq = seq;
        Write::Apply {
            state_epoch,
            seq,
            update,
        }
    }

    /// Replaces the state with a snapshot and returns the durable write for it.
    pub fn install(&mut self, state_epoch: u64, seq: u64, map: Map) -> Write {
        self.map = map.clone();
        self.state_epoch = state_epoch;
        self.applied_seq = seq;
        Write::Install {
            state_epoch,
            seq,
            map,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::ops::{Applied, Datum, MicroOp, Txn};

    /// The effects of writing `value` to `key`.
    fn update(key: u64, value: i64) -> Update {
        match Map::new().apply(&Txn::one(MicroOp::Write { key, value })) {
            Applied::Done { update, .. } => update.expect("a write has effects"),
            Applied::Aborted(why) => panic!("{why:?}"),
        }
    }

    #[test]
    fn writes_build_the_image_in_order() {
        let mut d = Durable::default();
        let mut s = Store::recover(&d);
        assert_eq!(s, Store::initial());
        apply_write(&mut d, s.apply(1, 1, update(7, 70)));
        apply_write(
            &mut d,
            Write::Vote {
                epoch: 3,
                candidate: NodeId(2),
            },
        );
        apply_write(&mut d, Write::Epoch(3));
        apply_write(&mut d, Write::Epoch(2));
        assert_eq!((d.epoch, d.voted), (3, Some((3, NodeId(2)))));
        let mut snapshot = Map::new();
        snapshot.apply_update(&update(1, 10));
        apply_write(&mut d, s.install(3, 5, snapshot));
        assert_eq!(Store::recover(&d), s);
        assert_eq!(s.position(), (3, 5));
        assert_eq!((s.map.read(1), s.map.read(7)), (Some(Datum::Int(10)), None));
    }
}
