//! Conformance of the consistency ladder with the causal corpus (`../shared/corpus/causal/`,
//! see its README): the five histories of Bouajjani, Enea, Guerraoui and Hamza, "On
//! Verifying Causal Consistency" (POPL 2017), Figure 2, each with its CC / CM / CCv / SC status
//! from the paper. Every row of the manifest for them is compared with faultline's `causal-cc`,
//! `causal`, `causal-ccv` and `sequential` verdicts; and the 26 list-append histories of
//! nurturenature/jepsen-causal-consistency, each with the session guarantee its test names.
//! Skips (visibly) without the corpus.

mod support;

use faultline::check::ladder::{check, Input, Limits, Model};
use faultline::check::linear::Budget;
use faultline::check::Verdict;
use faultline::history::read_history_file;

fn model_for(paper_name: &str) -> Model {
    match paper_name {
        "CC" => Model::CausalCc,
        "CM" => Model::Causal,
        "CCv" => Model::CausalCcv,
        "SC" => Model::Sequential,
        other => panic!("the manifest names model {other}, which this test does not map"),
    }
}

#[test]
fn popl17_figure2_agrees_row_by_row() {
    let Some(dir) = support::corpus("causal", "popl17_figure2_agrees_row_by_row") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let mut rows = 0;
    for line in manifest
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("histories/popl17"))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, model, expected) = (cols[0], model_for(cols[2]), cols[3]);
        let history = read_history_file(&dir.join(file)).unwrap();
        let ladder = check(
            &history,
            &Input::rw_register(),
            &[model],
            Limits::default(),
            &Budget::default(),
        )
        .unwrap();
        let rung = ladder.rung(model).unwrap();
        let want = if expected == "valid" {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        assert_eq!(
            rung.verdict,
            want,
            "{file}: {} (the paper's {}) is {:?}: {}\n{}",
            model.name(),
            cols[2],
            rung.verdict,
            rung.reason,
            rung.witness.join("\n")
        );
        rows += 1;
    }
    assert_eq!(
        rows, 20,
        "the manifest has 20 rows for Figure 2 (5 histories x 4 models)"
    );
}

/// The session guarantee (or model) each `nn-*` history is about, from its test's name, as a
/// ladder model; `None` for the histories about isolation anomalies (internal, G1a, G1b),
/// which break every model of the ladder.
fn named_guarantee(file: &str) -> Option<Model> {
    let name = file.trim_start_matches("histories/nn-");
    let name = name
        .trim_start_matches("valid-")
        .trim_start_matches("invalid-");
    [
        ("ryw", Model::ReadYourWrites),
        ("monotonic-reads", Model::MonotonicReads),
        ("monotonic-writes", Model::MonotonicWrites),
        ("wfr", Model::WritesFollowReads),
        ("wr", Model::Causal),
        ("cc", Model::Causal),
    ]
    .into_iter()
    .find(|(prefix, _)| name.starts_with(prefix))
    .map(|(_, m)| m)
}

/// Differences from the corpus, each explained in docs/consistency-models.md: Terry et al.'s
/// writes-follow-reads, alone, lets a reader that saw a write later read from a replica that
/// has neither it nor what its writer had read (that also needs monotonic reads: causal
/// breaks, as the corpus's checker says).
const WFR_NEEDS_MONOTONIC_READS: [&str; 2] = [
    "histories/nn-invalid-wfr.edn",
    "histories/nn-invalid-wfr-mop.edn",
];

/// The 26 list-append histories of nurturenature/jepsen-causal-consistency: each valid one is
/// causal (and every guarantee holds); each invalid one of strength `strong` breaks causal
/// consistency and the guarantee its test is named after (the isolation ones break every
/// model: a read no order explains). The `weak` one (a real-time anomaly, its test commented
/// out) holds: no model below linearizability orders by real time.
#[test]
fn nurturenature_list_append_histories_agree() {
    let Some(dir) = support::corpus("causal", "nurturenature_list_append_histories_agree") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let below: Vec<Model> = Model::ALL
        .iter()
        .copied()
        .filter(|&m| m != Model::Linearizable)
        .collect();
    let mut seen = 0;
    for line in manifest
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("histories/nn-"))
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, expected, strength) = (cols[0], cols[3], cols[8]);
        let history = read_history_file(&dir.join(file)).unwrap();
        let ladder = check(
            &history,
            &Input::list_append(),
            &below,
            Limits::default(),
            &Budget::default(),
        )
        .unwrap();
        let verdict = |m: Model| ladder.rung(m).unwrap().verdict;
        let show = || {
            ladder
                .rungs
                .iter()
                .map(|r| format!("{} {:?}: {}", r.model, r.verdict, r.reason))
                .collect::<Vec<_>>()
                .join("\n")
        };
        match (expected, strength) {
            ("valid", _) => {
                assert_eq!(verdict(Model::Causal), Verdict::Pass, "{file}\n{}", show());
                for m in [
                    Model::Pram,
                    Model::ReadYourWrites,
                    Model::MonotonicReads,
                    Model::MonotonicWrites,
                    Model::WritesFollowReads,
                ] {
                    assert_eq!(
                        verdict(m),
                        Verdict::Pass,
                        "{file}: {}\n{}",
                        m.name(),
                        show()
                    );
                }
            }
            ("invalid", "strong") => {
                assert_eq!(verdict(Model::Causal), Verdict::Fail, "{file}\n{}", show());
                assert_eq!(
                    verdict(Model::CausalCc),
                    Verdict::Fail,
                    "{file}\n{}",
                    show()
                );
                match named_guarantee(file) {
                    Some(m) if WFR_NEEDS_MONOTONIC_READS.contains(&file) => {
                        assert_eq!(verdict(m), Verdict::Pass, "{file}\n{}", show());
                    }
                    Some(m) => assert_eq!(
                        verdict(m),
                        Verdict::Fail,
                        "{file}: {}\n{}",
                        m.name(),
                        show()
                    ),
                    None => {
                        for &m in &below {
                            assert_eq!(
                                verdict(m),
                                Verdict::Fail,
                                "{file}: {}\n{}",
                                m.name(),
                                show()
                            );
                        }
                    }
                }
            }
            _ => {
                assert_eq!(strength, "weak", "{file}");
                for &m in &below {
                    assert_eq!(
                        verdict(m),
                        Verdict::Pass,
                        "{file}: {}\n{}",
                        m.name(),
                        show()
                    );
                }
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 26, "the manifest has 26 nurturenature histories");
}
