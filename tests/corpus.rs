//! Conformance with the external corpus (`knossos/` of `../shared/corpus`, or of
//! `$FAULTLINE_CORPUS`): every history gets the verdict its manifest gives (real Jepsen
//! histories whose verdicts Knossos settled). Skipped, visibly, when the corpus is absent.

mod support;

use faultline::check::linear::{check, Budget, ModelKind, ModelSpec};
use faultline::check::Verdict;
use faultline::history::{parse_edn_value, read_history_file, Value};

/// `cas-register(init=0)` → (cas-register, 0); `mutex(init=free)` → (mutex, nil = free).
fn model(text: &str) -> ModelSpec {
    let (name, rest) = text.split_once("(init=").expect("model(init=…)");
    let init = rest.strip_suffix(')').expect("closing paren");
    let kind = ModelKind::from_name(name).unwrap_or_else(|| panic!("unknown model {name}"));
    let init = if init == "free" {
        Value::Nil
    } else {
        parse_edn_value(init).expect("init literal")
    };
    ModelSpec { kind, init }
}

#[test]
fn every_corpus_history_gets_its_known_verdict() {
    let Some(corpus) = support::corpus("knossos", "every_corpus_history_gets_its_known_verdict")
    else {
        return;
    };
    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).unwrap();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, spec, expected) = (cols[0], model(cols[1]), cols[2]);
        let history = read_history_file(&corpus.join(file)).unwrap_or_else(|e| panic!("{e}"));
        let result = check(&history, &spec, &Budget::default());
        let want = if expected == "linearizable" {
            Verdict::Pass
        } else {
            Verdict::Fail
        };
        if result.verdict != want {
            wrong.push(format!(
                "{file}: expected {expected}, got {:?} ({})",
                result.verdict, result.reason
            ));
        }
        if want == Verdict::Fail {
            assert!(
                result.witness.is_some(),
                "{file}: a non-linearizable verdict comes with a witness"
            );
            // The structured witness points at the stuck operation's entry, and every
            // operation it names is an entry of the history.
            let refs = result.refs();
            let stuck = &result.witness.as_ref().unwrap().stuck[0];
            assert_eq!(refs.ops.first(), Some(&(stuck.invoked_at as u64)), "{file}");
            assert!(
                refs.ops.iter().all(|&i| (i as usize) < history.ops.len()),
                "{file}: {refs:?}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 122);
    assert!(wrong.is_empty(), "{wrong:#?}");
}
