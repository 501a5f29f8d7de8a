//! Reading histories: the Knossos corpus, hand-made Jepsen EDN layouts, round trips through
//! `write_edn`/`write_json`, and malformed input (errors name the right line, never panic).

use faultline::history::{
    parse_edn_value, read_history, read_history_file, write_edn, write_json, Func, History,
    HistoryError, Op, OpType, Process, Value,
};
use proptest::prelude::*;

mod support;

fn kw(s: &str) -> Value {
    Value::Keyword(s.into())
}

fn int(i: i64) -> Value {
    Value::Int(i)
}

fn list(items: Vec<Value>) -> Value {
    Value::List(items)
}

fn read(text: &str) -> History {
    read_history(text, "h.edn").unwrap_or_else(|e| panic!("{e}"))
}

/// The error for `text`, checking it is one line naming `h.edn` and `line`.
fn error_at(text: &str, line: usize) -> String {
    let err = read_history(text, "h.edn").expect_err("should not parse");
    let msg = err.to_string();
    assert!(!msg.contains('\n'), "multi-line error: {msg}");
    assert!(
        msg.starts_with(&format!("h.edn:{line}: ")),
        "wrong line: {msg}"
    );
    assert_eq!(err.line(), Some(line));
    msg
}

fn client_invokes(h: &History) -> usize {
    let invoke = |o: &&Op| o.kind == OpType::Invoke && o.process != Process::Nemesis;
    h.ops.iter().filter(invoke).count()
}

#[test]
fn every_corpus_file_parses_with_the_manifest_op_count() {
    let test = "every_corpus_file_parses_with_the_manifest_op_count";
    let Some(corpus) = support::corpus("knossos", test) else {
        return;
    };
    let manifest = std::fs::read_to_string(corpus.join("manifest.tsv")).unwrap();
    let mut files = 0;
    for row in manifest.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (file, count) = (cols[0], cols[3].parse::<usize>().unwrap());
        let h = read_history_file(&corpus.join(file)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(client_invokes(&h), count, "{file}");
        assert!(h
            .ops
            .iter()
            .enumerate()
            .all(|(i, o)| o.index == i as u64 && o.key.is_none()));
        files += 1;
    }
    assert_eq!(files, 122);
}

#[test]
fn corpus_shapes_are_read_faithfully() {
    let Some(corpus) = support::corpus("knossos", "corpus_shapes_are_read_faithfully") else {
        return;
    };
    let h = read_history_file(&corpus.join("mutex/bad/etcd.edn")).unwrap();
    let nemesis: Vec<&Op> = h
        .ops
        .iter()
        .filter(|o| o.process == Process::Nemesis)
        .collect();
    assert!(!nemesis.is_empty() && nemesis.iter().all(|o| o.kind == OpType::Info));
    assert!(h
        .ops
        .iter()
        .any(|o| o.f == Func::Other("acquire".into()) && o.value == Value::Nil));
    assert_eq!(h.ops[0].time, 341187643);
    let h = read_history_file(&corpus.join("multi-register/good/multi-register.edn"));
    let first = &h.unwrap().ops[0];
    assert_eq!(first.f, Func::Other("txn".into()));
    assert_eq!(
        first.value,
        list(vec![list(vec![kw("read"), kw("x"), Value::Nil])])
    );
    assert_eq!(
        (first.process, first.time),
        (Process::Client(3), 7686455705)
    );
}

#[test]
fn top_level_vector_list_and_map_per_line_agree() {
    let maps = "{:process 0, :type :invoke, :f :write, :value 1}\n\
                {:process 0, :type :ok, :f :write, :value 1}\n";
    let per_line = read(maps);
    assert_eq!(per_line.ops.len(), 2);
    assert_eq!(read(&format!("[{maps}]")), per_line);
    assert_eq!(read(&format!("({maps})")), per_line);
    assert_eq!(
        read(&format!("; header\n[\n{maps}] ; trailing\n")),
        per_line
    );
    let op = &per_line.ops[1];
    assert_eq!(
        (op.index, op.process, op.kind),
        (1, Process::Client(0), OpType::Ok)
    );
    assert_eq!(
        (op.f.clone(), op.value.clone(), op.time),
        (Func::Write, int(1), 0)
    );
    // A file without entries is refused: it is almost always a mistake.
    for empty in ["", "  \n \n", "  ; nothing\n[]\n"] {
        assert!(error_at(empty, 1).contains("no entries"), "{empty:?}");
    }
}

#[test]
fn multi_line_maps_comments_discards_and_key_order() {
    let h = read(
        "; a comment\n\
         {:time 5\n :value [1 2] ; inline\n :f :cas\n\n :type :fail, :process 7\n :index 99 :error [:timeout \"x\"]}\n\
         #_{:type :bogus}\n\
         {:f :read :process :nemesis :type :info :extra #{1 2} :value nil}",
    );
    assert_eq!(h.ops.len(), 2);
    let cas = &h.ops[0];
    assert_eq!(
        (cas.index, cas.process, cas.kind, cas.time),
        (0, Process::Client(7), OpType::Fail, 5)
    );
    assert_eq!(
        (cas.f.clone(), cas.value.clone()),
        (Func::Cas, list(vec![int(1), int(2)]))
    );
    assert_eq!((h.ops[1].index, h.ops[1].process), (1, Process::Nemesis));
}

#[test]
fn values_of_every_shape() {
    let cases: Vec<(&str, Value)> = vec![
        ("nil", Value::Nil),
        ("-42", int(-42)),
        ("\"a \\\"b\\\"\\n\"", Value::Str("a \"b\"\n".into())),
        (":x", kw("x")),
        (":ns/x", kw("ns/x")),
        ("true", Value::Bool(true)),
        ("[1 2]", list(vec![int(1), int(2)])),
        (
            "[[:read :x nil] [:write :y 2]]",
            list(vec![
                list(vec![kw("read"), kw("x"), Value::Nil]),
                list(vec![kw("write"), kw("y"), int(2)]),
            ]),
        ),
        (
            "{:a 1, :b [2]}",
            Value::Map(vec![(kw("a"), int(1)), (kw("b"), list(vec![int(2)]))]),
        ),
    ];
    for (text, want) in cases {
        let h = read(&format!("{{:process 1 :type :ok :f :txn :value {text}}}"));
        assert_eq!(h.ops[0].value, want, "{text}");
        assert_eq!(parse_edn_value(text), Ok(want), "{text}");
    }
    let h = read("{:process 1 :type :invoke :f :read}");
    assert_eq!(h.ops[0].value, Value::Nil);
    assert_eq!(h.ops[0].f, Func::Read);
}

#[test]
fn parse_edn_value_for_init_literals() {
    assert_eq!(parse_edn_value(" 0 "), Ok(int(0)));
    assert_eq!(parse_edn_value("\"\""), Ok(Value::Str(String::new())));
    let xy = Value::Map(vec![(kw("x"), int(0)), (kw("y"), int(0))]);
    assert_eq!(parse_edn_value("{:x 0 :y 0}"), Ok(xy));
    assert_eq!(parse_edn_value("#{:a}"), Ok(list(vec![kw("a")])));
    assert_eq!(
        parse_edn_value("free"),
        Ok(kw("free")),
        "symbols read as keywords"
    );
    assert_eq!(
        parse_edn_value("1.5"),
        Ok(Value::Str("1.5".into())),
        "floats keep their text"
    );
    assert_eq!(parse_edn_value("\\a"), Ok(Value::Str("a".into())));
    assert_eq!(
        parse_edn_value("#inst \"2020\""),
        Ok(Value::Str("2020".into()))
    );
    assert_eq!(parse_edn_value("\"\\u00e9\""), Ok(Value::Str("é".into())));
    assert_eq!(parse_edn_value("-9223372036854775808"), Ok(int(i64::MIN)));
    assert_eq!(parse_edn_value("12N"), Ok(int(12)));
    let chars = ["(", " ", "\\", "é", "\n"].map(|c| Value::Str(c.into()));
    assert_eq!(
        parse_edn_value("[\\( \\space \\\\ \\é \\newline]"),
        Ok(list(chars.to_vec()))
    );
    assert!(parse_edn_value("\\ ").is_err() && parse_edn_value("\\ab").is_err());
    for bad in [
        "",
        "1 2",
        "[1",
        "{:a}",
        "[1)",
        "\"abc",
        "9223372036854775808",
        "#?",
        "\"\\q\"",
        ":",
    ] {
        let e = parse_edn_value(bad).expect_err(bad);
        assert!(e.contains("expected") && !e.contains('\n'), "{bad}: {e}");
    }
    assert!(parse_edn_value(&"[".repeat(100_000))
        .unwrap_err()
        .contains("nested"));
    assert!(parse_edn_value("[\n\n\"x")
        .unwrap_err()
        .starts_with("line 3: unterminated string"));
}

fn sample_history() -> History {
    let mut h = History::default();
    let mut add = |process, kind, f, key, value, time| {
        h.push(Op {
            index: 0,
            process,
            kind,
            f,
            key,
            value,
            time,
            node: None,
        });
    };
    let c = Process::Client;
    add(c(0), OpType::Invoke, Func::Write, None, int(3), 10);
    add(c(0), OpType::Ok, Func::Write, None, int(3), 20);
    add(
        c(1),
        OpType::Invoke,
        Func::Cas,
        None,
        list(vec![int(3), int(4)]),
        30,
    );
    add(
        Process::Nemesis,
        OpType::Info,
        Func::Other("partition".into()),
        None,
        Value::Nil,
        35,
    );
    add(
        c(1),
        OpType::Info,
        Func::Cas,
        None,
        list(vec![int(3), int(4)]),
        40,
    );
    add(
        c(2),
        OpType::Invoke,
        Func::Read,
        Some(int(7)),
        Value::Nil,
        50,
    );
    add(
        c(2),
        OpType::Ok,
        Func::Read,
        Some(int(7)),
        Value::Str("s".into()),
        60,
    );
    let txn = list(vec![
        list(vec![kw("read"), kw("x"), Value::Nil]),
        Value::Bool(false),
    ]);
    add(
        c(3),
        OpType::Invoke,
        Func::Other("txn".into()),
        None,
        txn.clone(),
        1 << 39,
    );
    add(
        c(3),
        OpType::Fail,
        Func::Other("txn".into()),
        None,
        txn,
        1 << 40,
    );
    h
}

#[test]
fn edn_round_trip_puts_keys_into_independent_tuples() {
    let h = sample_history();
    let mut out = Vec::new();
    write_edn(&h, &mut out).unwrap();
    let back = read(std::str::from_utf8(&out).unwrap_or_default());
    assert_eq!(back.ops.len(), h.ops.len());
    for (a, b) in h.ops.iter().zip(&back.ops) {
        assert_eq!(
            (a.index, a.process, a.kind, &a.f, a.time),
            (b.index, b.process, b.kind, &b.f, b.time)
        );
        let want = match &a.key {
            Some(k) => list(vec![k.clone(), a.value.clone()]),
            None => a.value.clone(),
        };
        assert_eq!(
            (b.key.clone(), &b.value, &b.node),
            (None, &want, &None),
            "documented: keys stay in the value"
        );
    }
}

#[test]
fn json_round_trip_is_exact() {
    let mut h = sample_history();
    h.ops[6].node = Some("n2".into());
    let mut out = Vec::new();
    write_json(&h, &mut out).unwrap();
    let back = read_history(std::str::from_utf8(&out).unwrap_or_default(), "h.json").unwrap();
    assert_eq!(back, h);
}

#[test]
fn json_lines_by_hand() {
    let text = "\n{\"type\":\"ok\",\"f\":\"read\",\"process\":\"nemesis\",\"value\":[null,\":k\",1.5,{\"a\":true}]}\n";
    let op = &read_history(text, "h.json").unwrap().ops[0];
    let map = Value::Map(vec![(Value::Str("a".into()), Value::Bool(true))]);
    assert_eq!(
        op.value,
        list(vec![Value::Nil, kw("k"), Value::Str("1.5".into()), map])
    );
    assert_eq!(
        (op.process, op.key.clone(), op.time),
        (Process::Nemesis, None, 0)
    );
    let bad = |text: &str, line: usize, what: &str| {
        let msg = read_history(text, "h.json").unwrap_err().to_string();
        assert!(
            msg.starts_with(&format!("h.json:{line}: ")) && msg.contains(what),
            "{msg}"
        );
        assert!(!msg.contains('\n'));
    };
    let ok = "{\"type\":\"ok\",\"f\":\"read\",\"process\":1}\n";
    bad(
        &format!("{ok}{ok}{{\"type\":\"okay\",\"f\":\"read\",\"process\":1}}"),
        3,
        "\"type\" is \"okay\"",
    );
    bad(
        &format!("{ok}{{\"type\": \"ok\", \"f\":"),
        2,
        "invalid JSON",
    );
    bad(
        &format!("{ok}[1]"),
        2,
        "expected one JSON op object per line",
    );
    bad(
        &format!("{ok}{{\"type\":\"ok\",\"f\":\"read\"}}"),
        2,
        "no \"process\"",
    );
    bad(
        &format!(
            "{ok}{{\"type\":\"ok\",\"f\":\"read\",\"process\":1,\"value\":9223372036854775808}}"
        ),
        2,
        "64 bits",
    );
}

#[test]
fn malformed_edn_names_the_line() {
    let good = "{:process 0 :type :invoke :f :read :value nil}\n";
    let m = error_at(
        &format!("[{good}{good}{{:process 1 :type :ok :f :read :value \"abc}}]\n"),
        3,
    );
    assert!(m.contains("unterminated string"), "{m}");
    let m = error_at(
        &format!("[{good}\n{{:process 1 :type :ok :f :read :value [1 2}}]"),
        3,
    );
    assert!(
        m.contains("} does not match the [ opened on line 3; expected ]"),
        "{m}"
    );
    let m = error_at(&format!("{good}{good}{good}\n{{:process 1 :type :ok"), 5);
    assert!(m.contains("never closed; expected }"), "{m}");
    let m = error_at(&format!("[{good}{good}]]"), 3);
    assert!(m.contains("after the closing ]"), "{m}");
    let m = error_at(&format!("{good}{{:process 1\n :type :okay :f :read}}"), 3);
    assert_eq!(
        m,
        "h.edn:3: :type is :okay; expected one of :invoke, :ok, :fail, :info"
    );
    let m = error_at(&format!("{good}{good}\n\n{{:process 1 :f :read}}"), 5);
    assert!(
        m.contains("op map has no :type; expected one of :invoke"),
        "{m}"
    );
    let m = error_at(&format!("{good}{{:type :ok :f :read}}"), 2);
    assert!(m.contains("op map has no :process"), "{m}");
    let m = error_at(
        &format!("{good}{{:type :ok :f :read\n :process \"p1\"}}"),
        3,
    );
    assert!(
        m.contains(":process is \"p1\"; expected a non-negative integer or :nemesis"),
        "{m}"
    );
    let m = error_at(&format!("[{good}\n [1 2]]"), 3);
    assert!(
        m.contains("history entry is [1 2]; expected an op map"),
        "{m}"
    );
    let m = error_at(
        &format!("{good}{good}{{:type :ok :f :read :process 99999999999999999999}}"),
        3,
    );
    assert!(m.contains("does not fit in 64 bits"), "{m}");
    let m = error_at(
        &format!("{good}{{:type :ok :f :read :process 1 :type :ok}}"),
        2,
    );
    assert!(m.contains(":type twice"), "{m}");
    let m = error_at(&format!("{good}{{:type :ok :f \"read\" :process 1}}"), 2);
    assert!(m.contains(":f is \"read\"; expected a keyword"), "{m}");
    let m = error_at(
        &format!("{good}{{:type :ok :f :read :process 1 :time -5}}"),
        2,
    );
    assert!(m.contains(":time is -5"), "{m}");
    error_at(&format!("{good}{{:type :ok :f :read :process}}"), 2);
    error_at(&format!("{good}\n{{:value \"\\q\"}}"), 3);
}

#[test]
fn io_and_encoding_errors_name_the_file() {
    let err = read_history_file(std::path::Path::new("/nonexistent/h.edn")).unwrap_err();
    assert!(matches!(err, HistoryError::Io { .. }));
    assert!(
        err.to_string()
            .starts_with("/nonexistent/h.edn: cannot read: "),
        "{err}"
    );
    let path =
        std::env::temp_dir().join(format!("faultline-history-read-{}.edn", std::process::id()));
    std::fs::write(&path, b"{:process 0 :type :ok :f :read}\n{:value \"\xff\"}").unwrap();
    let err = read_history_file(&path).unwrap_err();
    std::fs::remove_file(&path).ok();
    assert_eq!(
        err.to_string(),
        format!("{}:2: invalid UTF-8; expected UTF-8 text", path.display())
    );
}

#[test]
fn a_hundred_thousand_ops_round_trip() {
    let mut h = History::default();
    for i in 0..100_000u64 {
        let (kind, value) = if i % 2 == 0 {
            (OpType::Invoke, Value::Nil)
        } else {
            (OpType::Ok, int(i as i64))
        };
        let f = [Func::Read, Func::Write, Func::Cas][(i / 2 % 3) as usize].clone();
        h.push(Op {
            index: 0,
            process: Process::Client(i / 2 % 50),
            kind,
            f,
            key: None,
            value,
            time: i * 1000,
            node: None,
        });
    }
    let (mut edn, mut json) = (Vec::new(), Vec::new());
    write_edn(&h, &mut edn).unwrap();
    write_json(&h, &mut json).unwrap();
    let back = read_history(std::str::from_utf8(&edn).unwrap_or_default(), "big.edn").unwrap();
    assert_eq!(back, h);
    let back = read_history(std::str::from_utf8(&json).unwrap_or_default(), "big.json").unwrap();
    assert_eq!(back, h);
}

/// Checks `read_history` returns (no panic) and any error is one line naming the file.
fn never_panics(text: &str) {
    if let Err(e) = read_history(text, "fuzz.edn") {
        let msg = e.to_string();
        assert!(msg.starts_with("fuzz.edn:") && !msg.contains('\n'), "{msg}");
    }
    let _ = parse_edn_value(text);
}

/// A real-looking history to mutate: one shipped with the repository, so the property runs
/// in a fresh clone too.
fn corpus_sample() -> String {
    std::fs::read_to_string("histories/register-concurrent.edn").unwrap()
}

proptest! {
    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        never_panics(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn edn_like_text_never_panics(text in "[\\[\\](){}#_:;\"\\\\ ,\nab01{}é-]{0,120}") {
        never_panics(&text);
        never_panics(&format!("{{\"{text}"));
    }

    #[test]
    fn truncated_and_mutated_corpus_never_panics(cut in 0usize..2000, at in 0usize..2000, b in any::<u8>()) {
        let text = corpus_sample();
        let cut = (0..=cut % (text.len() + 1)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        never_panics(&text[..cut]);
        let mut bytes = text.into_bytes();
        let at = at % bytes.len();
        bytes[at] = b;
        never_panics(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn sessions_are_read_per_process_and_a_process_keeps_one() {
    let h = read(
        "{:process 0, :type :invoke, :f :read, :value nil, :session 0}\n\
         {:process 0, :type :info, :f :read, :value nil, :session 0}\n\
         {:process 4, :type :invoke, :f :read, :value nil, :session 0}\n\
         {:process 4, :type :ok, :f :read, :value 1, :session 0}\n\
         {:process 2, :type :invoke, :f :read, :value nil}\n\
         {:process 2, :type :ok, :f :read, :value 1}\n",
    );
    // Processes 0 and 4 are client 0's; 1 and 3 never appear, 2 states none: sessions of
    // their own.
    let s = h.sessions.unwrap();
    assert_eq!(s[0], 0);
    assert_eq!(s[4], 0);
    assert!(s[2] != 0 && s[1] != s[2] && s[3] != s[2]);
    let json = read(
        "{\"index\":0,\"type\":\"invoke\",\"f\":\"read\",\"process\":3,\"value\":null,\"session\":1}\n\
         {\"index\":1,\"type\":\"ok\",\"f\":\"read\",\"process\":3,\"value\":null,\"session\":1}\n",
    );
    assert_eq!(json.sessions.unwrap()[3], 1);
    assert!(read("{:process 0, :type :invoke, :f :read, :value nil}\n")
        .sessions
        .is_none());
    let err = faultline::history::read_history(
        "{:process 0, :type :invoke, :f :read, :value nil, :session 0}\n\
         {:process 0, :type :ok, :f :read, :value 1, :session 2}\n",
        "h.edn",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("h.edn:2") && err.contains("one session per process"),
        "{err}"
    );
    let err = faultline::history::read_history(
        "{:process 0, :type :invoke, :f :read, :value nil, :session -1}\n",
        "h.edn",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains(":session is -1"), "{err}");
}
