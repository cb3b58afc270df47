//! Properties that hold for any input: the structure stage keeps its spans honest, decoding and rule matching
//! never panic; and whole runs are deterministic (thread count and repetition change no output byte).

mod common;

use common::{analyze_corpus, repo};
use proptest::prelude::*;
use shuzhi::structure::{self, markers, roles};
use shuzhi::themes::Taxonomy;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;

static TAXONOMY: LazyLock<Taxonomy> = LazyLock::new(Taxonomy::builtin);

/// Pieces reports are made of: enumeration markers, cue phrases, headings, punctuation, Han text, odd spaces.
fn piece() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "一、",
        "二、",
        "十二、",
        "（一）",
        "（二）",
        "(三)",
        "1.",
        "2、",
        "10.",
        "（1）",
        "(2)",
        "①",
        "②",
        "一是",
        "二是",
        "三是",
        "首先",
        "其次",
        "再次",
        "最后",
        "第一，",
        "第二，",
        "第一部分",
        "第三部分",
        "存在的问题",
        "存在问题和不足",
        "主要成效",
        "原因分析",
        "究其原因",
        "下一步打算",
        "整改措施",
        "但也存在一些不足",
        "以上述职，请予评议。",
        "述职报告",
        "党员队伍老化",
        "组织生活不规范",
        "。",
        "，",
        "；",
        "：",
        ":",
        "！",
        "？",
        "、",
        "\n",
        "\n\n",
        "\r\n",
        " ",
        "\u{3000}",
        "\t",
        "\u{200B}",
        "\u{FEFF}",
        "\u{A0}",
        "（",
        "）",
        "“",
        "”",
        "2023年",
        "60岁以上",
        "45.4%",
        "x",
        "A",
    ])
    .prop_map(str::to_string);
    let han = "[\u{4E00}-\u{9FA5}]{1,12}";
    prop_oneof![4 => fixed, 2 => han, 1 => any::<char>().prop_map(String::from)]
}

fn report_like() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..120).prop_map(|v| v.concat())
}

fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![3 => report_like(), 1 => any::<String>()]
}

fn check_structure(text: &str) -> Result<(), TestCaseError> {
    let chars: Vec<char> = text.chars().collect();
    let s = structure::build(text);
    let mut prev_end = 0usize;
    for st in s.statements() {
        prop_assert!(st.start < st.end, "empty span {}..{}", st.start, st.end);
        prop_assert!(
            st.end <= chars.len(),
            "span {}..{} past the end ({} chars)",
            st.start,
            st.end,
            chars.len()
        );
        prop_assert!(
            st.start >= prev_end,
            "span {}..{} overlaps or precedes the previous one (ended at {})",
            st.start,
            st.end,
            prev_end
        );
        let slice: String = chars[st.start..st.end].iter().collect();
        prop_assert_eq!(&slice, &st.text);
        prev_end = st.end;
    }
    Ok(())
}

fn check_rules(text: &str) -> Result<(), TestCaseError> {
    if let Some(m) = markers::at_start(text) {
        prop_assert!(m.len <= text.len() && text.is_char_boundary(m.len));
    }
    for (off, m) in markers::inline(text) {
        prop_assert!(off + m.len <= text.len());
        prop_assert!(text.is_char_boundary(off) && text.is_char_boundary(off + m.len));
    }
    let _ = roles::heading_role(text);
    if let Some(end) = roles::cause_cue(text) {
        prop_assert!(text.is_char_boundary(end));
    }
    let _ = (
        roles::problem_cue(text),
        roles::measure_cue(text),
        roles::closing(text),
        roles::lead_in(text),
    );
    for hit in TAXONOMY.rule_hits(text) {
        prop_assert!(hit.theme < TAXONOMY.len());
        prop_assert!(hit.span.0 <= hit.span.1 && hit.span.1 <= text.len());
    }
    Ok(())
}

/// Han and digit runs of the rule patterns' own source: texts made of them open many literal gates at once.
static RULE_FRAGMENTS: LazyLock<Vec<String>> = LazyLock::new(|| {
    let src =
        std::fs::read_to_string(repo().join("models/themes.toml")).expect("models/themes.toml");
    let mut v: Vec<String> = src
        .split(|c: char| !markers::is_han(c) && !c.is_ascii_digit())
        .filter(|s| !s.is_empty() && s.chars().count() <= 8)
        .map(str::to_string)
        .collect();
    v.sort();
    v.dedup();
    v
});

fn rule_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => prop::sample::select(RULE_FRAGMENTS.clone()),
        2 => "[\u{4E00}-\u{9FA5}]{1,6}",
        1 => prop::sample::select(vec!["。", "；", "，", "、", "\n", "是", "的"]).prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

/// Every labelled statement and every line of the shipped UTF-8 reports.
static CORPUS_LINES: LazyLock<Vec<String>> = LazyLock::new(|| {
    let root = repo().join("corpus");
    let labels = std::fs::read_to_string(root.join("labels.jsonl")).expect("corpus/labels.jsonl");
    let mut lines: Vec<String> = labels
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["text"].as_str().map(str::to_string))
        .collect();
    for year in std::fs::read_dir(&root).expect("corpus").flatten() {
        for f in std::fs::read_dir(year.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(s) = std::fs::read_to_string(f.path()) {
                lines.extend(
                    s.lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_string),
                );
            }
        }
    }
    assert!(lines.len() > 3000, "{}", lines.len());
    lines
});

/// A shipped statement with cue fragments of the rule patterns put in at random places, so that windows
/// open and close around real wording.
fn corpus_mix() -> impl Strategy<Value = String> {
    let insert = (
        any::<prop::sample::Index>(),
        prop::sample::select(RULE_FRAGMENTS.clone()),
    );
    (
        prop::sample::select(CORPUS_LINES.clone()),
        prop::collection::vec(insert, 0..8),
    )
        .prop_map(|(mut s, inserts)| {
            for (at, piece) in inserts {
                let bounds: Vec<usize> =
                    s.char_indices().map(|(i, _)| i).chain([s.len()]).collect();
                s.insert_str(bounds[at.index(bounds.len())], &piece);
            }
            s
        })
}

/// A taxonomy of awkward patterns (anchors, word boundaries, case folding, empty branches, no prefix).
static AWKWARD: LazyLock<Taxonomy> = LazyLock::new(|| {
    let toml = r#"format = 1
[[theme]]
id = "a"
family = "problem"
name = "甲"
keywords = ["老化"]
patterns = ['^党员.{0,3}少', '(?i)ab[0-9]+党', '\b[a-z]+\b.{0,2}支部', '(缺|少|)人才', '经费$', '(?m)^问题']
[[theme]]
id = "b"
family = "cause"
name = "乙"
patterns = ['党员(队伍)?(老化|老龄化)', '.{0,2}书记', '(?s)问题.*?原因', '[人才]{2,3}不足', '(党|党员)*(员|党)*书记', '问题.{1,4}?(原因|人)', '(缺|少)+\d*人才']
"#;
    Taxonomy::parse(Path::new("awkward.toml"), toml).expect("awkward taxonomy")
});

fn awkward_text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "党员",
        "少",
        "ab",
        "AB",
        "Ab",
        "12",
        "党",
        "支部",
        "x",
        "abc",
        " ",
        "\n",
        "缺",
        "人才",
        "人",
        "才",
        "不足",
        "经费",
        "问题",
        "原因",
        "队伍",
        "老化",
        "老龄化",
        "书记",
        "。",
        "是",
    ]);
    prop::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn rule_gates_change_no_hit_with_awkward_patterns(text in awkward_text()) {
        prop_assert_eq!(AWKWARD.rule_hits(&text), AWKWARD.rule_hits_ungated(&text));
    }

    /// The literal gates and anchored searches are only shortcuts: the hits are those of every pattern run
    /// on the whole text.
    #[test]
    fn rule_gates_change_no_hit(text in rule_text()) {
        prop_assert_eq!(TAXONOMY.rule_hits(&text), TAXONOMY.rule_hits_ungated(&text));
    }

    /// The same on real statements with cue fragments spliced in.
    #[test]
    fn rule_matcher_agrees_on_mixed_corpus_statements(text in corpus_mix()) {
        prop_assert_eq!(TAXONOMY.rule_hits(&text), TAXONOMY.rule_hits_ungated(&text));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn structure_spans_are_honest(text in any_text()) {
        check_structure(&text)?;
    }

    #[test]
    fn structure_spans_are_honest_after_normalisation(text in any_text()) {
        // analyze() sees normalised text in the pipeline.
        check_structure(&shuzhi::ingest::decode::normalize(&text))?;
    }

    #[test]
    fn decode_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(d) = shuzhi::ingest::decode::decode(&bytes) {
            prop_assert!(!d.text.trim().is_empty());
            prop_assert!(!d.text.contains('\r'));
        }
    }

    #[test]
    fn decode_never_panics_on_text_like_bytes(text in report_like(), cut in any::<prop::sample::Index>(), bom in 0u8..4) {
        // Real encodings of report-like text, truncated anywhere (half characters included).
        let mut bytes: Vec<u8> = match bom {
            0 => text.as_bytes().to_vec(),
            1 => encoding_rs::GB18030.encode(&text).0.into_owned(),
            2 => {
                let mut v = vec![0xFF, 0xFE];
                for u in text.encode_utf16() { v.extend_from_slice(&u.to_le_bytes()); }
                v
            }
            _ => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        };
        let n = if bytes.is_empty() { 0 } else { cut.index(bytes.len() + 1) };
        bytes.truncate(n);
        let _ = shuzhi::ingest::decode::decode(&bytes);
    }

    #[test]
    fn rule_matching_never_panics(text in any_text()) {
        check_rules(&text)?;
        for line in text.lines() {
            check_rules(line)?;
        }
    }
}

// ---- whole runs ----

fn run_analyze(out: &Path, threads: &str) {
    let output = analyze_corpus(out, &["--threads", threads])
        .timeout(Duration::from_secs(180))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "stderr:\n{stderr}");
}

/// Every file in a folder, by name, with its bytes.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

fn assert_same(a: &[(String, Vec<u8>)], b: &[(String, Vec<u8>)], what: &str) {
    let names = |s: &[(String, Vec<u8>)]| s.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(a), names(b), "{what}: different files");
    for ((name, x), (_, y)) in a.iter().zip(b) {
        assert!(x == y, "{what}: {name} differs");
    }
}

#[test]
fn threads_and_reruns_give_identical_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    run_analyze(&one, "1");
    run_analyze(&two, "2");
    let first = snapshot(&one);
    assert!(first.iter().any(|f| f.0 == "reports.jsonl"));
    assert!(
        !first.iter().any(|f| f.0.starts_with(".shuzhi-tmp-")),
        "temp files left behind"
    );
    assert_same(&first, &snapshot(&two), "--threads 1 vs --threads 2");
    // Again into the same folder: nothing changes.
    run_analyze(&one, "2");
    assert_same(&first, &snapshot(&one), "second run into the same folder");
}

// ---- fuzz regressions ----

/// Every file under tests/regressions/TARGET/ goes through what the fuzz target TARGET does.
#[test]
fn fuzz_regressions_do_not_panic() {
    let root = repo().join("tests/regressions");
    let mut fed = 0;
    for target in ["decode", "docx", "structure", "labels"] {
        let Ok(rd) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        for path in files {
            let data = std::fs::read(&path).unwrap();
            let name = path.display().to_string();
            let outcome = std::panic::catch_unwind(|| feed(target, &data));
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("{name}: {e}"),
                Err(_) => panic!("{name}: panicked"),
            }
            fed += 1;
        }
    }
    eprintln!("{fed} regression input(s) fed");
}

fn feed(target: &str, data: &[u8]) -> Result<(), TestCaseError> {
    match target {
        "decode" => {
            if let Ok(d) = shuzhi::ingest::decode::decode(data) {
                prop_assert!(!d.text.trim().is_empty());
                prop_assert!(!d.text.contains('\r'));
            }
        }
        "docx" => {
            let _ = shuzhi::ingest::docx::extract_text(std::io::Cursor::new(data));
        }
        "structure" => {
            if let Ok(text) = std::str::from_utf8(data) {
                check_structure(text)?;
                check_rules(text)?;
            }
        }
        "labels" => {
            if let Ok(text) = std::str::from_utf8(data) {
                let _ =
                    shuzhi::labels::parse(std::path::Path::new("labels.jsonl"), text, &TAXONOMY);
            }
        }
        _ => unreachable!(),
    }
    Ok(())
}
