//! Conformance of the consistency ladder with the causal corpus (`../shared/corpus/causal/`,
//! see its README): the five histories of Bouajjani, Enea, Guerraoui and Hamza, "On
//! Verifying Causal Consistency" (POPL 2017), Figure 2, each with its CC / CM / CCv / SC status
//! from the paper. Every row of the manifest for them is compared with faultline's `causal-cc`,
//! `causal`, `causal-ccv` and `sequential` verdicts. Skips (visibly) without the corpus.

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
