//! Swarm testing at the start of a run: under `[nemesis] swarm = true`, the seed's own nemesis
//! ([`crate::faults::swarm`]) and protocol knobs ([`crate::protocol::Protocol::swarm`]) are
//! drawn from the run's `swarm` stream before anything happens, so the drawn configuration is
//! part of the seed and a replay draws it again.

use crate::des::rng::Stream;
use crate::faults;
use crate::protocol::{Knobs, Protocol};
use crate::scenario::Scenario;

/// The scenario as this seed runs it and the draw in words, or `None` without swarm testing.
/// `params` receive the drawn knobs.
pub(crate) fn draw<P: Protocol>(
    scenario: &Scenario,
    params: &mut P::Params,
    seed: u64,
) -> Option<(Scenario, String)> {
    let spec = scenario.nemesis.as_ref().filter(|n| n.swarm)?;
    let mut rng = Stream::new(seed, "swarm");
    let (nemesis, mut words) = faults::swarm::draw(spec, &mut rng);
    let mut knobs = Knobs::new(&mut rng, &scenario.cluster.params);
    P::swarm(params, &mut knobs);
    let knob_words = knobs.words();
    if !knob_words.is_empty() {
        words.push_str("; ");
        words.push_str(&knob_words.join(", "));
    }
    let mut drawn = scenario.clone();
    drawn.nemesis = Some(nemesis);
    Some((drawn, words))
}
