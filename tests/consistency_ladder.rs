//! The consistency ladder on real histories: every cas-register history of the Knossos corpus
//! (`../shared/corpus/knossos/`) placed on the ladder, with the hierarchy of models holding on
//! each (a history that is linearizable is sequential, causal, PRAM, …) and the
//! `linearizable` rung agreeing with the corpus's verdict. Skips (visibly) without the corpus.

mod support;

use faultline::check::ladder::{check, Input, Limits, Model, IMPLIES};
use faultline::check::linear::{Budget, ModelKind};
use faultline::check::Verdict;
use faultline::history::{read_history_file, Value};

#[test]
fn knossos_histories_respect_the_hierarchy() {
    let Some(dir) = support::corpus("knossos", "knossos_histories_respect_the_hierarchy") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("manifest.tsv")).unwrap();
    let input = Input::for_model(ModelKind::CasRegister, Value::Int(0)).unwrap();
    let limits = Limits {
        max_states: 200_000,
        ..Limits::default()
    };
    let (mut checked, mut decided_sequential) = (0, 0);
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[1] != "cas-register(init=0)" {
            continue;
        }
        let history = read_history_file(&dir.join(cols[0])).unwrap();
        let ladder = check(&history, &input, &Model::ALL, limits, &Budget::default()).unwrap();
        let verdict = |m: Model| ladder.rung(m).unwrap().verdict;
        let want = if cols[2] == "linearizable" {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        assert_eq!(verdict(Model::Linearizable), want, "{}", cols[0]);
        for &(strong, weak) in IMPLIES {
            if verdict(strong) == Verdict::Pass {
                assert_eq!(
                    verdict(weak),
                    Verdict::Pass,
                    "{}: {} holds but {} is {:?}",
                    cols[0],
                    strong.name(),
                    weak.name(),
                    verdict(weak)
                );
            }
            if verdict(weak) == Verdict::Fail {
                assert_eq!(
                    verdict(strong),
                    Verdict::Fail,
                    "{}: {} breaks but {} is {:?}",
                    cols[0],
                    weak.name(),
                    strong.name(),
                    verdict(strong)
                );
            }
        }
        decided_sequential += usize::from(verdict(Model::Sequential) != Verdict::Unknown);
        checked += 1;
    }
    assert_eq!(checked, 120, "the manifest has 120 cas-register histories");
    eprintln!("knossos: 120 histories on the ladder, sequential decided on {decided_sequential}");
}
