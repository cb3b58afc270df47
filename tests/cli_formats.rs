//! The formats analysts receive besides text and .docx, through the real binary: PDFs printed from a report
//! read like the report itself (LibreOffice's embedded CJK subsets, a browser's CID fonts, a browser's Type 3
//! fonts that map glyphs to CJK radicals), a scan is skipped with the reason, and .doc/.wps files go through
//! LibreOffice when it is there (CI requires it: `SHUZHI_REQUIRE_SOFFICE=1`) and are skipped with how to
//! convert them when it is not.

mod common;

use common::{error_rows, inspect, repo, shuzhi};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// Sections as lists of (role, heading, [(text, tokens, themes)]): what a report says, without offsets.
fn sections(report: &Value) -> Vec<Value> {
    report["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            let statements: Vec<Value> = s["statements"]
                .as_array()
                .expect("statements")
                .iter()
                .map(|st| serde_json::json!([st["text"], st["tokens"], st["themes"]]))
                .collect();
            serde_json::json!([s["role"], s["heading"], statements])
        })
        .collect()
}

/// `analyze` on `input` into `out`, returning the exit code and stderr.
fn analyze(input: &Path, out: &Path, soffice: Option<&str>, threads: &str) -> (i32, String) {
    let mut cmd = shuzhi();
    cmd.arg("analyze").arg(input).arg("--out").arg(out).args([
        "--model",
        "models/default",
        "--quiet",
        "--threads",
        threads,
    ]);
    if let Some(s) = soffice {
        cmd.env("SHUZHI_SOFFICE", s);
    }
    let o = cmd.output().expect("run shuzhi analyze");
    (
        o.status.code().expect("exit code"),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn jsonl(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn printed_pdfs_read_like_the_text_they_were_printed_from() {
    let text = inspect(&fixture("utf8.txt"));
    // report.pdf: LibreOffice from utf8.txt (embedded CJK subset with a ToUnicode map, one wrapped line);
    // report_chromium.pdf: printed by a browser (CID TrueType, Identity-H, most paragraphs wrapped).
    for pdf in ["report.pdf", "report_chromium.pdf"] {
        let r = inspect(&fixture(pdf));
        assert_eq!(r["encoding"], "pdf", "{pdf}");
        assert_eq!(r["year"], text["year"], "{pdf}: year");
        assert_eq!(
            sections(&r),
            sections(&text),
            "{pdf}: sections, statements, tokens or themes differ from utf8.txt"
        );
    }
}

#[test]
fn radicals_of_a_type3_pdf_become_the_ideographs() {
    // problems_type3.pdf: the title, problems and causes of utf8.txt printed by a browser with Type 3 fonts,
    // whose Unicode maps give radicals (⼯ U+2F2F) for ideographs (工).
    let r = inspect(&fixture("problems_type3.pdf"));
    let text = inspect(&fixture("utf8.txt"));
    let pick = |v: &Value| -> Vec<Value> {
        sections(v)
            .into_iter()
            .filter(|s| s[0] == "problem" || s[0] == "cause")
            .collect()
    };
    assert!(!pick(&text).is_empty());
    assert_eq!(pick(&r), pick(&text));
    let all = serde_json::to_string(&r["sections"]).unwrap();
    assert!(
        !all.chars().any(|c| ('\u{2E80}'..='\u{2FDF}').contains(&c)),
        "radicals left: {all}"
    );
}

#[test]
fn a_pdf_raises_the_same_themes_as_its_text_and_a_scan_is_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::copy(fixture("utf8.txt"), a.join("report.txt")).unwrap();
    std::fs::copy(fixture("report.pdf"), b.join("report.pdf")).unwrap();
    std::fs::copy(fixture("bad/scan.pdf"), b.join("scan.pdf")).unwrap();
    let (code_a, err_a) = analyze(&a, &tmp.path().join("out_a"), None, "2");
    assert_eq!(code_a, 0, "{err_a}");
    let (code_b, err_b) = analyze(&b, &tmp.path().join("out_b"), None, "2");
    assert_eq!(code_b, 3, "the scan is skipped: {err_b}");
    let ra = jsonl(&tmp.path().join("out_a/reports.jsonl"));
    let rb = jsonl(&tmp.path().join("out_b/reports.jsonl"));
    assert_eq!(rb.len(), 1);
    assert!(!ra[0]["raised"].as_array().unwrap().is_empty());
    assert_eq!(rb[0]["raised"], ra[0]["raised"]);
    assert_eq!(rb[0]["measures"], ra[0]["measures"]);
    let errs = error_rows(&tmp.path().join("out_b"));
    assert_eq!(
        errs,
        [(
            "scan.pdf".to_string(),
            "no_text_layer".to_string(),
            "no text layer (scanned): run OCR first".to_string()
        )]
    );
    assert!(err_b.contains("scan.pdf: no text layer (scanned): run OCR first"));
}

/// Whether LibreOffice can be used here; in CI (`SHUZHI_REQUIRE_SOFFICE=1`) its absence fails the test.
fn soffice_present() -> bool {
    let found = ["soffice", "libreoffice"].iter().any(|p| {
        std::process::Command::new(p)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !found {
        assert!(
            std::env::var_os("SHUZHI_REQUIRE_SOFFICE").is_none(),
            "SHUZHI_REQUIRE_SOFFICE is set but neither soffice nor libreoffice runs"
        );
        eprintln!(
            "skipped: LibreOffice (soffice) is not installed; .doc/.wps conversion not tested"
        );
    }
    found
}

#[test]
fn doc_and_wps_convert_through_libreoffice_in_parallel() {
    if !soffice_present() {
        return;
    }
    // report.doc: LibreOffice's Word 97 export of report.docx. A .wps from WPS Office is the same format
    // under another name.
    let docx = inspect(&fixture("report.docx"));
    let doc = inspect(&fixture("report.doc"));
    assert_eq!(doc["encoding"], "doc (LibreOffice)");
    assert_eq!(sections(&doc), sections(&docx));

    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    for name in ["a.doc", "b.wps", "c.doc", "d.wps"] {
        std::fs::copy(fixture("report.doc"), input.join(name)).unwrap();
    }
    // Not a document: LibreOffice opens it as text, which does not read as a report.
    let mut x: u32 = 12345;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (x >> 16) as u8
        })
        .collect();
    std::fs::write(input.join("e.doc"), noise).unwrap();
    let mut runs = Vec::new();
    for threads in ["1", "2"] {
        let out = tmp.path().join(format!("out{threads}"));
        let (code, stderr) = analyze(&input, &out, None, threads);
        assert_eq!(code, 3, "e.doc is not a document: {stderr}");
        let reports = jsonl(&out.join("reports.jsonl"));
        assert_eq!(reports.len(), 4, "{stderr}");
        for r in &reports {
            let ext = r["id"].as_str().unwrap().rsplit('.').next().unwrap();
            assert_eq!(r["encoding"], format!("{ext} (LibreOffice)"));
            assert!(!r["raised"].as_array().unwrap().is_empty());
            assert_eq!(r["raised"], reports[0]["raised"]);
        }
        let errs = error_rows(&out);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].0, "e.doc");
        assert_eq!(errs[0].1, "conversion_failed", "{errs:?}");
        runs.push(
            ["reports.jsonl", "mentions.jsonl", "theme_frequency.csv"]
                .map(|f| std::fs::read(out.join(f)).unwrap()),
        );
    }
    assert!(runs[0] == runs[1], "outputs differ between 1 and 2 threads");
}

#[test]
fn without_libreoffice_a_doc_is_skipped_with_how_to_convert() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::copy(fixture("report.doc"), input.join("report.doc")).unwrap();
    std::fs::copy(fixture("report.doc"), input.join("report.wps")).unwrap();
    std::fs::copy(fixture("utf8.txt"), input.join("utf8.txt")).unwrap();
    let out = tmp.path().join("out");
    let (code, stderr) = analyze(&input, &out, Some(""), "2");
    assert_eq!(code, 3, "{stderr}");
    let errs = error_rows(&out);
    assert_eq!(errs.len(), 2, "{errs:?}");
    for ((name, kind, message), ext) in errs.iter().zip(["doc", "wps"]) {
        assert_eq!(name, &format!("report.{ext}"));
        assert_eq!(kind, "no_converter");
        assert!(
            message.contains(&format!("soffice --headless --convert-to docx FILE.{ext}")),
            "{message}"
        );
        assert!(message.contains("install LibreOffice"), "{message}");
    }
}
