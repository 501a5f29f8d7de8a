//! The scenario file as serde sees it: one struct per section, unknown keys refused, every
//! optional key an `Option` so that defaults are applied (and documented) in one place,
//! `validate`. Values that can be checked alone are checked here by their types.

use serde::Deserialize;

use super::latency::Lat;
use super::values::{Bytes, Dur, DurRange, Exponent, NodeNames, Prob, Rate, SignedDur, Whole};
use crate::des::words::word_enum;

/// A seed: any whole number TOML can write.
pub(crate) type Seed = Whole<0, { i64::MAX }>;
/// Drift in parts per million, either way.
pub(crate) type Ppm = Whole<-1_000_000, 1_000_000>;
/// Clients of a workload.
pub(crate) type Clients = Whole<1, 10_000>;
/// Keys of a workload.
pub(crate) type Keys = Whole<1, 1_000_000>;
/// A relative weight.
pub(crate) type Weight = Whole<0, 1_000_000>;

/// `workload.txn_length`: `4` (from 1 to 4 micro-ops) or `[2, 4]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TxnLength(pub u32, pub u32);

impl<'de> Deserialize<'de> for TxnLength {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        const WANT: &str = "a length from 1 to 100 such as 4, or [min, max] such as [2, 4]";
        fn check<E: serde::de::Error>(min: i64, max: i64) -> Result<TxnLength, E> {
            if (1..=100).contains(&min) && (min..=100).contains(&max) {
                Ok(TxnLength(min as u32, max as u32))
            } else {
                Err(E::custom(format!(
                    "[{min}, {max}] is out of range; expected {WANT}, min <= max"
                )))
            }
        }
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TxnLength;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(WANT)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TxnLength, E> {
                check(1, v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<TxnLength, A::Error> {
                let min: i64 = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom(WANT))?;
                let max: i64 = seq
                    .next_element()?
                    .ok_or_else(|| serde::de::Error::custom(WANT))?;
                if seq.next_element::<i64>()?.is_some() {
                    return Err(serde::de::Error::custom(format!(
                        "more than two numbers; expected {WANT}"
                    )));
                }
                check(min, max)
            }
        }
        d.deserialize_any(V)
    }
}

/// The whole file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<Seed>,
    pub duration: Dur,
    pub settle: Option<Dur>,
    pub expect: Option<RawExpect>,
    pub cluster: RawCluster,
    #[serde(default)]
    pub network: RawNetwork,
    #[serde(default)]
    pub clocks: RawClocks,
    #[serde(default)]
    pub storage: RawStorage,
    pub workload: Option<RawWorkload>,
    #[serde(default)]
    pub faults: Vec<RawFault>,
    pub nemesis: Option<RawNemesis>,
    #[serde(default)]
    pub check: RawCheck,
    #[serde(default)]
    pub limits: RawLimits,
}

word_enum! {
    /// `expect`.
    pub(crate) RawExpect { Pass = "pass", Fail = "fail" }
}

/// `[cluster]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCluster {
    pub protocol: String,
    pub nodes: NodeNames,
    pub params: Option<toml::Table>,
    pub service_time: Option<Dur>,
    pub queue_limit: Option<Whole<1, 10_000_000>>,
}

/// Link behaviour keys shared by `[network]`, `[[network.links]]` and `link` faults.
#[derive(Clone, Copy, Default)]
pub(crate) struct RawLinkKeys {
    pub latency: Option<Lat>,
    pub loss: Option<Prob>,
    pub duplicate: Option<Prob>,
    pub reorder: Option<Prob>,
    pub reorder_delay: Option<Dur>,
}

/// `[network]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNetwork {
    pub latency: Option<Lat>,
    pub loss: Option<Prob>,
    pub duplicate: Option<Prob>,
    pub reorder: Option<Prob>,
    pub reorder_delay: Option<Dur>,
    pub client_latency: Option<Lat>,
    #[serde(default)]
    pub links: Vec<RawLink>,
}

/// `[[network.links]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLink {
    pub from: String,
    pub to: String,
    pub latency: Option<Lat>,
    pub loss: Option<Prob>,
    pub duplicate: Option<Prob>,
    pub reorder: Option<Prob>,
    pub reorder_delay: Option<Dur>,
}

/// `[clocks]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClocks {
    pub max_drift_ppm: Option<Whole<0, 1_000_000>>,
    pub max_offset: Option<Dur>,
    #[serde(default)]
    pub nodes: Vec<RawClockNode>,
}

/// `[[clocks.nodes]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawClockNode {
    pub node: String,
    pub drift_ppm: Option<Ppm>,
    pub offset: Option<Dur>,
}

/// `[storage]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStorage {
    pub write_latency: Option<Lat>,
}

/// `workload.model`: a registered workload's name.
#[derive(Clone, Copy)]
pub(crate) struct RawModel(pub &'static dyn crate::workload::WorkloadKind);

impl<'de> Deserialize<'de> for RawModel {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        fn names() -> String {
            let all: Vec<String> = crate::workload::WORKLOADS
                .iter()
                .map(|w| format!("\"{}\"", w.name()))
                .collect();
            format!("one of {}", all.join(", "))
        }
        impl serde::de::Visitor<'_> for V {
            type Value = RawModel;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&names())
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawModel, E> {
                crate::workload::workload(v)
                    .map(RawModel)
                    .ok_or_else(|| E::custom(format!("unknown value `{v}`; expected {}", names())))
            }
        }
        d.deserialize_any(V)
    }
}

word_enum! {
    /// `workload.key_dist`.
    pub(crate) RawKeyDist { Uniform = "uniform", Zipf = "zipf" }
}

/// `[workload]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWorkload {
    pub model: RawModel,
    pub clients: Option<Clients>,
    pub keys: Option<Keys>,
    pub read: Option<Weight>,
    pub write: Option<Weight>,
    pub cas: Option<Weight>,
    pub delete: Option<Weight>,
    pub txn_length: Option<TxnLength>,
    pub read_fraction: Option<Prob>,
    pub max_writes_per_key: Option<Whole<1, 1_000_000>>,
    pub rate: Option<Rate>,
    pub timeout: Option<Dur>,
    pub key_dist: Option<RawKeyDist>,
    pub zipf_exponent: Option<Exponent>,
    pub targets: Option<Vec<String>>,
    pub max_redirects: Option<Whole<0, 100>>,
    pub retry: Option<Dur>,
    pub retry_backoff: Option<Dur>,
    pub retry_multiplier: Option<Exponent>,
    pub retry_cap: Option<Dur>,
    pub retry_jitter: Option<crate::workload::retry::Jitter>,
    pub retry_limit: Option<Whole<1, 1_000>>,
    pub idempotency_keys: Option<bool>,
    pub breaker: Option<Whole<1, 1_000>>,
    pub breaker_open: Option<Dur>,
    pub colocated: Option<bool>,
    pub final_reads: Option<bool>,
}

/// One `[[faults]]` entry: the union of every kind's keys. Which keys a kind allows is
/// checked on the document before deserializing (see `faults::check_fault_keys`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFault {
    pub at: Dur,
    pub kind: String,
    pub groups: Option<Vec<Vec<String>>>,
    pub target: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub restart_after: Option<Dur>,
    pub permanent: Option<bool>,
    pub duration: Option<Dur>,
    pub jump: Option<SignedDur>,
    pub drift_ppm: Option<Ppm>,
    pub one_way: Option<bool>,
    pub latency: Option<Lat>,
    pub loss: Option<Prob>,
    pub duplicate: Option<Prob>,
    pub reorder: Option<Prob>,
    pub reorder_delay: Option<Dur>,
    pub downtime: Option<DurRange>,
    pub uptime: Option<DurRange>,
    pub period: Option<DurRange>,
}

word_enum! {
    /// `nemesis.kinds` entries.
    pub(crate) RawNemesisKind {
        Partition = "partition",
        Isolate = "isolate",
        Crash = "crash",
        Pause = "pause",
        Clock = "clock",
        Link = "link",
        Power = "power",
        Drift = "drift",
        RestartLoop = "restart-loop",
        Flap = "flap",
        PartitionLeader = "partition-leader",
    }
}

/// `[nemesis]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNemesis {
    pub kinds: Vec<RawNemesisKind>,
    pub interval: Option<DurRange>,
    pub duration: Option<DurRange>,
    pub max_clock_jump: Option<Dur>,
    pub link_loss: Option<Prob>,
    pub target_leader: Option<Prob>,
    pub overlap: Option<Whole<1, 16>>,
    pub targets: Option<Vec<String>>,
    pub max_drift_ppm: Option<Whole<0, 1_000_000>>,
    pub loop_downtime: Option<DurRange>,
    pub loop_uptime: Option<DurRange>,
    pub flap_period: Option<DurRange>,
    pub swarm: Option<bool>,
}

/// One entry of `[check]`: a checker switched on or off, or the list of consistency models.
pub(crate) enum RawCheckValue {
    /// `name = true` or `false`.
    Switch(bool),
    /// `consistency = ["serializable", ...]`.
    Models(Vec<String>),
}

/// `[check]`: its entries in file order. Which names exist is the checkers' business (the
/// `check` layer validates them); here only the shapes are checked.
#[derive(Default)]
pub(crate) struct RawCheck(pub Vec<(String, RawCheckValue)>);

impl<'de> Deserialize<'de> for RawCheck {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawCheck;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of checker names set to true or false")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawCheck, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value = if key == "consistency" {
                        RawCheckValue::Models(map.next_value::<ModelList>()?.0)
                    } else {
                        RawCheckValue::Switch(map.next_value::<bool>()?)
                    };
                    entries.push((key, value));
                }
                Ok(RawCheck(entries))
            }
        }
        d.deserialize_map(V)
    }
}

/// `check.consistency`: a list of model names (or the word "all").
struct ModelList(Vec<String>);

impl<'de> Deserialize<'de> for ModelList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = ModelList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a list of consistency models such as [\"serializable\"], or \"all\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ModelList, E> {
                Ok(ModelList(vec![v.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<ModelList, A::Error> {
                let mut names = Vec::new();
                while let Some(n) = seq.next_element::<String>()? {
                    names.push(n);
                }
                Ok(ModelList(names))
            }
        }
        d.deserialize_any(V)
    }
}

/// `[limits]`.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawLimits {
    pub max_events: Option<Whole<1, { i64::MAX }>>,
    pub stop_after_deliveries: Option<Whole<1, { i64::MAX }>>,
    pub max_in_flight: Option<Whole<1, 100_000_000>>,
    pub final_read_window: Option<Dur>,
    pub recovery_window: Option<Dur>,
    pub recovery_answered: Option<Prob>,
    pub check_states: Option<Whole<1, 10_000_000_000>>,
    pub memory: Option<Bytes>,
}
