//! Ingest as the user meets it, through the real binary: every encoding of one report reads the same, a
//! `.docx` keeps its paragraphs in order, bad files in a folder are skipped with a reason while the batch goes on,
//! and the domain dictionary keeps Party-building terms whole.

mod common;

use common::{error_rows, inspect, repo as root, shuzhi};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

fn statement_count(report: &Value) -> usize {
    report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s["statements"].as_array().map_or(0, Vec::len))
        .sum()
}

/// The same report in every encoding met in practice, with the `encoding` that inspect must name.
const ENCODINGS: [(&str, &str); 6] = [
    ("utf8_bom.txt", "UTF-8 (BOM)"),
    ("utf16le.txt", "UTF-16LE (BOM)"),
    ("utf16be.txt", "UTF-16BE (BOM)"),
    ("gb18030.txt", "GB18030"),
    ("crlf.txt", "UTF-8"),
    ("report.docx", "docx"),
];

#[test]
fn utf8_fixture_is_read_as_designed() {
    let r = inspect(&fixture("utf8.txt"));
    assert_eq!(r["encoding"], "UTF-8");
    assert_eq!(r["year"], 2024);
    assert_eq!(statement_count(&r), 13);
}

#[test]
fn every_encoding_gives_the_same_statements_as_utf8() {
    let expected = inspect(&fixture("utf8.txt"));
    for (file, encoding) in ENCODINGS {
        let r = inspect(&fixture(file));
        assert_eq!(r["encoding"], encoding, "{file}: encoding");
        if file.ends_with(".docx") {
            // Offsets are checked by `docx_offsets_match_the_text_version`.
            assert_eq!(
                without_offsets(&r["sections"]),
                without_offsets(&expected["sections"]),
                "{file}: sections differ from utf8.txt"
            );
        } else {
            assert_eq!(
                r["sections"], expected["sections"],
                "{file}: sections differ from utf8.txt"
            );
        }
        assert_eq!(r["year"], expected["year"], "{file}: year");
        assert_eq!(r["unit"], expected["unit"], "{file}: unit");
        let warnings = r["warnings"].as_array().expect("warnings");
        assert!(
            warnings
                .iter()
                .all(|w| !w.as_str().unwrap_or("").contains("U+FFFD")),
            "{file}: {warnings:?}"
        );
    }
}

/// Sections with the statements' `start` and `end` left out.
fn without_offsets(sections: &Value) -> Value {
    let mut v = sections.clone();
    for sec in v.as_array_mut().expect("sections") {
        for st in sec["statements"].as_array_mut().expect("statements") {
            let st = st.as_object_mut().expect("statement");
            st.remove("start");
            st.remove("end");
        }
    }
    v
}

/// A blank line of the text is an empty paragraph of the .docx (`<w:p/>`, as Word writes it): the decoded texts
/// agree line for line, so statement offsets agree too.
#[test]
fn docx_offsets_match_the_text_version() {
    let expected = inspect(&fixture("utf8.txt"));
    let r = inspect(&fixture("report.docx"));
    assert_eq!(
        r["sections"], expected["sections"],
        "report.docx: sections (with offsets) differ from utf8.txt"
    );
}

/// Lines of a text without their spaces (tokens printed by `segment --raw` are joined by spaces).
fn squeezed_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.chars().filter(|c| !c.is_whitespace()).collect::<String>())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn docx_gives_its_paragraphs_in_order() {
    let source = std::fs::read_to_string(fixture("utf8.txt")).unwrap();
    let expected = squeezed_lines(&source);
    let out = shuzhi()
        .args(["segment", "--raw"])
        .arg(fixture("report.docx"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let got = squeezed_lines(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(got, expected, "one line per paragraph, in document order");

    // And the statements of the structured report come in document order, without overlap.
    let r = inspect(&fixture("report.docx"));
    let mut last_end = 0;
    for sec in r["sections"].as_array().unwrap() {
        for st in sec["statements"].as_array().unwrap() {
            let (s, e) = (st["start"].as_u64().unwrap(), st["end"].as_u64().unwrap());
            assert!(s >= last_end && e > s, "statement out of order: {st}");
            last_end = e;
        }
    }
    let first = &r["sections"][1]["statements"][0]["text"];
    assert!(first.as_str().unwrap().starts_with("今年以来"), "{first}");
}

/// Good fixtures (any encoding) and bad ones with the reason kind each must be skipped with.
const GOOD: [&str; 7] = [
    "utf8.txt",
    "utf8_bom.txt",
    "utf16le.txt",
    "utf16be.txt",
    "gb18030.txt",
    "crlf.txt",
    "report.docx",
];
const BAD: [(&str, &str); 8] = [
    ("empty.txt", "empty"),
    ("spaces.txt", "empty"),
    ("binary.txt", "binary"),
    ("random.bin.txt", "undecodable"),
    ("truncated.docx", "bad_docx"),
    ("notzip.docx", "bad_docx"),
    ("old.doc", "no_converter"),
    ("scan.pdf", "no_text_layer"),
];

#[test]
fn mixed_folder_skips_bad_files_with_reasons_and_exits_3() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let out_dir = tmp.path().join("out");
    std::fs::create_dir_all(&input).unwrap();
    for f in GOOD {
        std::fs::copy(fixture(f), input.join(f)).unwrap();
    }
    for (f, _) in BAD {
        std::fs::copy(fixture(&format!("bad/{f}")), input.join(f)).unwrap();
    }
    let out = shuzhi()
        .arg("analyze")
        .arg(&input)
        .arg("--out")
        .arg(&out_dir)
        .args(["--model", "models/default", "--quiet"])
        // As on a machine without LibreOffice; conversions are tested in cli_formats.
        .env("SHUZHI_SOFFICE", "")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "some inputs skipped → exit 3; stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let reports = std::fs::read_to_string(out_dir.join("reports.jsonl")).unwrap();
    let ids: Vec<String> = reports
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect();
    let mut want: Vec<String> = GOOD.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(
        ids, want,
        "every good file, and only those, in reports.jsonl"
    );

    let mut kinds: BTreeMap<String, String> = BTreeMap::new();
    for (name, kind, message) in error_rows(&out_dir) {
        assert!(!message.is_empty(), "{name}: empty message");
        kinds.insert(name, kind);
    }
    let want: BTreeMap<String, String> = BAD
        .iter()
        .map(|(f, k)| (f.to_string(), k.to_string()))
        .collect();
    assert_eq!(
        kinds, want,
        "errors.csv: one row per bad file, with its kind"
    );
    for (f, _) in BAD {
        assert!(stderr.contains(f), "stderr does not name {f}:\n{stderr}");
    }
    for f in GOOD {
        assert!(
            !stderr.contains(&format!("{}:", input.join(f).display())),
            "good file {f} reported on stderr:\n{stderr}"
        );
    }
}

#[test]
fn each_bad_file_alone_fails_inspect_with_its_reason() {
    for (f, kind) in BAD {
        let out = shuzhi()
            .args(["inspect", "--json"])
            .arg(fixture(&format!("bad/{f}")))
            .env("SHUZHI_SOFFICE", "")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{f} was accepted");
        assert!(!stderr.contains("panicked"), "{f}: {stderr}");
        assert!(
            stderr.contains(f),
            "{f}: message does not name the file: {stderr}"
        );
        let hint = match kind {
            "empty" => "empty",
            "binary" => "binary",
            "undecodable" => "decode",
            "bad_docx" => ".docx",
            "no_converter" => "soffice --headless --convert-to docx",
            "no_text_layer" => "no text layer (scanned): run OCR first",
            _ => "unsupported",
        };
        assert!(stderr.contains(hint), "{f}: expected '{hint}' in: {stderr}");
    }
}

#[test]
fn segment_stdin_keeps_party_terms_whole() {
    let out = shuzhi()
        .args(["segment", "-"])
        .write_stdin("严格落实三会一课制度，集中整顿软弱涣散村党组织，扩大两新组织党建覆盖。\n")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let tokens: Vec<&str> = text.split_whitespace().collect();
    for term in ["三会一课", "软弱涣散", "两新组织"] {
        assert!(tokens.contains(&term), "{term} cut apart: {tokens:?}");
    }
}

#[test]
fn segment_stdin_decodes_gb18030() {
    let bytes = std::fs::read(fixture("gb18030.txt")).unwrap();
    let out = shuzhi()
        .args(["segment", "-"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("三会一课"), "{text}");
}
