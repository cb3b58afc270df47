//! Damaged or edited data files stop a command with a message naming the problem, never a silent wrong answer:
//! model folders (`analyze` exits 1), `labels.jsonl` and `themes.toml` (`corpus stats` names line numbers).

mod common;

use assert_cmd::Command;
use common::repo;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn shuzhi() -> Command {
    let mut c = common::shuzhi();
    c.timeout(Duration::from_secs(120));
    c
}

/// Runs a command; returns (exit code, stderr).
fn run(cmd: &mut Command) -> (i32, String) {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().expect("killed"), stderr)
}

/// A copy of models/default in a tempdir (kept alive by the returned guard), and the copy's folder.
fn model_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dst = tmp.path().join("model");
    fs::create_dir_all(&dst).unwrap();
    for e in fs::read_dir(repo().join("models/default")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), dst.join(e.file_name())).unwrap();
    }
    (tmp, dst)
}

/// `analyze` of one small report with the given model; must exit 1 and write nothing.
fn analyze_with(model: &Path) -> String {
    let out = model.parent().unwrap().join("out");
    let (code, stderr) = run(shuzhi()
        .args(["analyze", "corpus/2019/a01.txt", "--quiet", "--model"])
        .arg(model)
        .arg("--out")
        .arg(&out));
    assert_eq!(code, 1, "stderr:\n{stderr}");
    assert!(
        !out.join("reports.jsonl").exists(),
        "a refused model still produced outputs"
    );
    stderr
}

fn assert_mentions(stderr: &str, words: &[&str]) {
    for w in words {
        assert!(stderr.contains(w), "'{w}' not in stderr:\n{stderr}");
    }
}

#[test]
fn the_intact_model_works() {
    let (tmp, model) = model_copy();
    let (code, stderr) = run(shuzhi()
        .args(["analyze", "corpus/2019/a01.txt", "--quiet", "--model"])
        .arg(&model)
        .arg("--out")
        .arg(tmp.path().join("out")));
    assert_eq!(code, 0, "{stderr}");
}

#[test]
fn truncated_model_json() {
    let (_tmp, model) = model_copy();
    let p = model.join("model.json");
    let bytes = fs::read(&p).unwrap();
    fs::write(&p, &bytes[..bytes.len() / 2]).unwrap();
    let e = analyze_with(&model);
    assert_mentions(&e, &["model.json", "corrupt or truncated"]);
    // Empty too.
    fs::write(&p, b"").unwrap();
    let e = analyze_with(&model);
    assert_mentions(&e, &["model.json", "corrupt or truncated"]);
}

#[test]
fn one_digit_changed_in_the_body() {
    let (_tmp, model) = model_copy();
    let p = model.join("model.json");
    let text = fs::read_to_string(&p).unwrap();
    let body = text.find("\"body\"").expect("body field");
    // The last digit of the file sits deep inside the body (a weight or a count).
    let (i, c) = text
        .char_indices()
        .rfind(|&(i, c)| i > body && c.is_ascii_digit())
        .unwrap();
    let new = if c == '9' { '8' } else { (c as u8 + 1) as char };
    let mut edited = text.clone();
    edited.replace_range(i..i + 1, &new.to_string());
    assert_ne!(edited, text);
    fs::write(&p, edited).unwrap();
    let e = analyze_with(&model);
    assert_mentions(&e, &["model.json", "checksum"]);
}

#[test]
fn another_format_version() {
    let (_tmp, model) = model_copy();
    let p = model.join("model.json");
    let text = fs::read_to_string(&p).unwrap();
    assert!(text.starts_with("{\"format\":1,"), "layout changed");
    fs::write(&p, text.replacen("\"format\":1", "\"format\":2", 1)).unwrap();
    let e = analyze_with(&model);
    assert_mentions(&e, &["model.json", "format 2", "retrain"]);
}

#[test]
fn companion_files_changed_after_training() {
    for (name, edit) in [
        ("themes.toml", "\n# edited by hand\n"),
        ("userdict.txt", "新词 5 n\n"),
        ("stopwords.txt", "的了\n"),
    ] {
        let (_tmp, model) = model_copy();
        let p = model.join(name);
        let mut text = fs::read_to_string(&p).unwrap();
        text.push_str(edit);
        fs::write(&p, text).unwrap();
        let e = analyze_with(&model);
        assert_mentions(&e, &[name, "changed after training"]);
    }
}

#[test]
fn missing_model_files() {
    for name in ["model.json", "themes.toml", "userdict.txt"] {
        let (_tmp, model) = model_copy();
        fs::remove_file(model.join(name)).unwrap();
        let e = analyze_with(&model);
        assert_mentions(&e, &[name]);
    }
    let tmp = tempfile::tempdir().unwrap();
    let e = analyze_with(&tmp.path().join("no_such_model"));
    assert_mentions(&e, &["model.json", "shuzhi train"]);
}

// ---- labels.jsonl ----

/// A corpus folder with one report (a01.txt) and the given labels.
fn corpus_with_labels(labels: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let c = tmp.path().join("corpus");
    fs::create_dir_all(&c).unwrap();
    fs::copy(repo().join("corpus/2019/a01.txt"), c.join("a01.txt")).unwrap();
    fs::write(c.join("labels.jsonl"), labels).unwrap();
    tmp
}

fn stats(corpus: &Path, extra: &[&str]) -> (i32, String) {
    run(shuzhi()
        .args(["corpus", "stats", "--corpus"])
        .arg(corpus)
        .args(extra))
}

const GOOD: &str = r#"{"report": "a01.txt", "text": "其中60岁以上的有689名，占45.4%", "themes": ["member_aging"]}"#;

#[test]
fn good_labels_pass() {
    let tmp = corpus_with_labels(&format!("{GOOD}\n"));
    let (code, e) = stats(&tmp.path().join("corpus"), &[]);
    assert_eq!(code, 0, "{e}");
}

#[test]
fn bad_json_and_unknown_theme_name_their_lines() {
    let labels = format!(
        "{GOOD}\n{{\"report\": \"a01.txt\", \"text\": \"x\"\n\n{}\n{}\n",
        r#"{"report": "a01.txt", "text": "党员", "themes": ["no_such_theme"]}"#,
        r#"{"report": "a01.txt", "text": "党员", "themes": [], "extra": 1}"#,
    );
    let tmp = corpus_with_labels(&labels);
    let (code, e) = stats(&tmp.path().join("corpus"), &[]);
    assert_eq!(code, 1, "{e}");
    assert_mentions(
        &e,
        &[
            "labels.jsonl:2:",
            "bad JSON",
            "labels.jsonl:4:",
            "unknown theme id 'no_such_theme'",
            "labels.jsonl:5:",
        ],
    );
    assert!(!e.contains("labels.jsonl:1:"), "good line blamed:\n{e}");
}

#[test]
fn fragments_matching_no_or_several_statements_name_their_lines() {
    let labels = format!(
        "{GOOD}\n{}\n{}\n{}\n",
        r#"{"report": "a01.txt", "text": "这句话不在报告里", "themes": []}"#,
        r#"{"report": "a01.txt", "text": "。", "themes": []}"#,
        r#"{"report": "b99.txt", "text": "党员", "themes": []}"#,
    );
    let tmp = corpus_with_labels(&labels);
    let (code, e) = stats(&tmp.path().join("corpus"), &[]);
    assert_eq!(code, 1, "{e}");
    assert_mentions(
        &e,
        &[
            "labels.jsonl:2:",
            "matches no statement",
            "labels.jsonl:3:",
            "statements of 'a01.txt'",
            "labels.jsonl:4:",
            "unknown report 'b99.txt'",
        ],
    );
}

// ---- themes.toml ----

const THEME_A: &str = r#"
[[theme]]
id = "member_aging"
family = "problem"
name = "党员老化"
definition = "党员队伍年龄偏大。"
keywords = ["老龄化"]
patterns = ['党员.{0,6}老化']
"#;

const THEME_B: &str = r#"
[[theme]]
id = "recruitment_weak"
family = "problem"
name = "发展党员不足"
definition = "发展党员数量少。"
keywords = ["发展党员不足"]
patterns = ['发展党员.{0,6}(不足|偏少)']
"#;

/// `corpus stats` with a themes file; returns (code, stderr). Uses the real corpus (labels included) so
/// that only the themes file can be at fault.
fn stats_with_themes(themes: &str) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("themes.toml");
    fs::write(&p, themes).unwrap();
    let (code, e) = stats(&repo().join("corpus"), &["--themes", p.to_str().unwrap()]);
    (code, e)
}

/// The 1-based line of the n-th (0-based) line containing `needle`.
fn line_with(text: &str, needle: &str, n: usize) -> usize {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .nth(n)
        .map(|(i, _)| i + 1)
        .unwrap()
}

#[test]
fn the_real_themes_file_passes() {
    let (code, e) = stats(&repo().join("corpus"), &["--themes", "models/themes.toml"]);
    assert_eq!(code, 0, "{e}");
}

#[test]
fn themes_bad_regex_names_its_line() {
    let text = format!(
        "format = 1\n{THEME_A}{}",
        THEME_B.replace("'发展党员.{0,6}(不足|偏少)'", "'发展党员.{0,6}(不足|偏少'")
    );
    let (code, e) = stats_with_themes(&text);
    assert_eq!(code, 1, "{e}");
    let line = line_with(&text, "(不足|偏少'", 0);
    assert_mentions(
        &e,
        &[
            &format!("themes.toml:{line}:"),
            "recruitment_weak",
            "does not compile",
            "unclosed group",
        ],
    );
}

#[test]
fn themes_duplicate_id_names_its_line() {
    let text = format!("format = 1\n{THEME_A}{THEME_B}{THEME_A}");
    let (code, e) = stats_with_themes(&text);
    assert_eq!(code, 1, "{e}");
    assert_mentions(&e, &["duplicate theme id 'member_aging'"]);
    // The line of the duplicate, the second definition.
    let second = line_with(&text, "\"member_aging\"", 1);
    assert!(
        e.contains(&format!("themes.toml:{second}:")),
        "no line of the duplicate id in:\n{e}"
    );
}

#[test]
fn themes_unknown_field_names_its_line() {
    let text = format!(
        "format = 1\n{THEME_A}{}",
        THEME_B.replace("keywords =", "keyword =")
    );
    let (code, e) = stats_with_themes(&text);
    assert_eq!(code, 1, "{e}");
    let line = line_with(&text, "keyword =", 0);
    // toml reports the field's own line or that of its table: accept either, but a line there must be named.
    let table = line_with(&text, "[[theme]]", 1);
    assert!(
        (table..=line).any(|l| e.contains(&format!("themes.toml:{l}:"))),
        "no line between {table} and {line} in:\n{e}"
    );
    assert_mentions(&e, &["keyword"]);
}

#[test]
fn themes_bad_syntax_and_format() {
    let (code, e) = stats_with_themes(&format!("format = 1\n{THEME_A}\nid = = 3\n"));
    assert_eq!(code, 1, "{e}");
    assert_mentions(&e, &["themes.toml:"]);
    let (code, e) = stats_with_themes(&format!("format = 2\n{THEME_A}"));
    assert_eq!(code, 1, "{e}");
    assert_mentions(&e, &["themes.toml:1:", "format 2"]);
}

/// Edits the body of the copy's `model.json` and writes it back with a checksum recomputed the way the
/// loader checks it (SHA-256 of the body text), so only validation can catch the edit.
fn edit_and_rechecksum(model: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = model.join("model.json");
    let text = fs::read_to_string(&path).unwrap();
    let env: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut body = env["body"].clone();
    edit(&mut body);
    let body = serde_json::to_string(&body).unwrap();
    let checksum = format!("sha256:{}", shuzhi::themes::sha256_hex(body.as_bytes()));
    fs::write(
        &path,
        format!("{{\"format\":1,\"checksum\":\"{checksum}\",\"body\":{body}}}\n"),
    )
    .unwrap();
}

#[test]
fn edited_and_rechecksummed_models_are_validated_not_trusted() {
    type Edit = fn(&mut serde_json::Value);
    let cases: [(Edit, &[&str]); 6] = [
        // Before the fix: index out of bounds (exit 101).
        (
            |b| {
                let idf = b["classifier"]["vocab"]["idf"].as_array_mut().unwrap();
                let half = idf.len() / 2;
                idf.truncate(half);
            },
            &["IDF weights"],
        ),
        // Before the fix: a 208 GB allocation, aborted.
        (
            |b| b["classifier"]["themes"][0]["weights"][0][0] = 4_000_000_000u64.into(),
            &["weight index 4000000000"],
        ),
        (
            |b| {
                b["classifier"]["themes"].as_array_mut().unwrap().pop();
            },
            &["theme models"],
        ),
        (
            |b| b["classifier"]["vocab"]["n_themes"] = 1_000_000_000u64.into(),
            &["rule indicators"],
        ),
        (|b| b["roles"]["bits"] = 200.into(), &["hash bits"]),
        (
            |b| {
                let w = b["classifier"]["themes"][1]["weights"]
                    .as_array_mut()
                    .unwrap();
                w.reverse();
            },
            &["increasing order"],
        ),
    ];
    for (edit, words) in cases {
        let (_tmp, model) = model_copy();
        edit_and_rechecksum(&model, edit);
        let stderr = analyze_with(&model);
        assert_mentions(&stderr, words);
    }
}
