//! `shuzhi analyze` on hostile inputs: binary junk, broken encodings, broken and explosive `.docx`, huge and
//! empty files, deep and looping folders, odd file names, many files. Every run must finish in time, never
//! panic, list each good file in `reports.jsonl` and each bad one in `errors.csv` with its kind, and exit 3 when
//! something was skipped, 0 otherwise.
//!
//! The tests are split so that they run in parallel; each builds its own folder in a tempdir.

mod common;

use assert_cmd::Command;
use common::repo;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(180);

fn model() -> PathBuf {
    repo().join("models/default")
}

/// A real report from the corpus.
fn report_text() -> String {
    fs::read_to_string(repo().join("corpus/2019/a01.txt")).expect("corpus/2019/a01.txt")
}

/// A short report, for folders of many files.
const TINY: &str = "述职报告\n一、主要成效\n组织建设不断加强。\n二、存在问题\n（一）党员队伍老化，发展党员数量不足。\n三、下一步打算\n加强党员发展工作。\n";

/// Deterministic pseudo-random bytes.
fn noise(len: usize, seed: u32, allow_nul: bool) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let b = (x >> 16) as u8;
            if allow_nul {
                b
            } else {
                b.max(1)
            }
        })
        .collect()
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    fs::write(path, bytes).unwrap();
}

fn docx_xml(paragraphs: &[&str]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>"#,
    );
    for p in paragraphs {
        xml.push_str("<w:p><w:r><w:t>");
        xml.push_str(p);
        xml.push_str("</w:t></w:r></w:p>");
    }
    xml.push_str("</w:body></w:document>");
    xml
}

/// A zip with the given (name, content) parts, deflated.
fn zip_bytes(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    for (name, content) in parts {
        w.start_file(*name, opts).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn good_docx() -> Vec<u8> {
    let text = report_text();
    let paras: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    zip_bytes(&[("word/document.xml", docx_xml(&paras).as_bytes())])
}

fn gb18030(s: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(s).0.into_owned()
}

struct Run {
    code: i32,
    stderr: String,
    /// (id, encoding) of each line of reports.jsonl.
    reports: Vec<(String, String)>,
    /// (path, kind, message) of each row of errors.csv.
    errors: Vec<(String, String, String)>,
}

impl Run {
    fn assert_reported(&self, id_suffix: &str) {
        assert!(
            self.reports.iter().any(|(id, _)| id.ends_with(id_suffix)),
            "{id_suffix} missing from reports.jsonl; reports: {:?}; errors: {:?}",
            self.reports.iter().map(|r| &r.0).collect::<Vec<_>>(),
            self.errors
        );
    }

    fn assert_skipped(&self, path_suffix: &str, kind: &str) {
        assert!(
            self.errors
                .iter()
                .any(|(p, k, _)| p.ends_with(path_suffix) && k == kind),
            "{path_suffix} not in errors.csv as {kind}; errors: {:?}",
            self.errors
        );
        assert!(
            !self.reports.iter().any(|(id, _)| id.ends_with(path_suffix)),
            "{path_suffix} was skipped yet is in reports.jsonl"
        );
        assert!(
            self.stderr.contains(path_suffix),
            "{path_suffix} skipped but not named on stderr"
        );
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked"),
            "analyze panicked:\n{}",
            self.stderr
        );
    }
}

fn analyze(inputs: &[&Path], out: &Path, extra: &[&str]) -> Run {
    let mut cmd = Command::cargo_bin("shuzhi").unwrap();
    cmd.current_dir(repo())
        .arg("analyze")
        .args(inputs)
        .arg("--out")
        .arg(out)
        .arg("--model")
        .arg(model())
        .arg("--quiet")
        .args(extra)
        // No LibreOffice here whatever the machine has: .doc conversions are tested in cli_formats.
        .env("SHUZHI_SOFFICE", "")
        .timeout(TIMEOUT);
    let output = cmd.output().expect("running shuzhi analyze");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    let code = output
        .status
        .code()
        .unwrap_or_else(|| panic!("analyze killed (timeout?); stderr:\n{stderr}"));
    let mut reports = Vec::new();
    if let Ok(text) = fs::read_to_string(out.join("reports.jsonl")) {
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).expect("reports.jsonl line");
            reports.push((
                v["id"].as_str().unwrap_or_default().to_string(),
                v["encoding"].as_str().unwrap_or_default().to_string(),
            ));
        }
    }
    let mut errors = Vec::new();
    if let Ok(mut rdr) = csv::Reader::from_path(out.join("errors.csv")) {
        for rec in rdr.records() {
            let rec = rec.expect("errors.csv row");
            errors.push((rec[0].to_string(), rec[1].to_string(), rec[2].to_string()));
        }
    }
    let run = Run {
        code,
        stderr,
        reports,
        errors,
    };
    run.assert_no_panic();
    run
}

#[test]
fn bad_files_are_skipped_with_their_kind_and_good_ones_analysed() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    let report = report_text();

    // Good files, in every encoding and container we read.
    write(&d.join("good/utf8.txt"), &report);
    write(&d.join("good/gbk.txt"), gb18030(&report));
    let mut le = vec![0xFF, 0xFE];
    for u in report.encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
    }
    write(&d.join("good/utf16.txt"), le);
    write(&d.join("good/word.docx"), good_docx());
    let mut mixed = Vec::new();
    for (i, line) in report.lines().enumerate() {
        if i % 2 == 0 {
            mixed.extend_from_slice(line.as_bytes());
        } else {
            mixed.extend_from_slice(&gb18030(line));
        }
        mixed.push(b'\n');
    }
    write(&d.join("good/mixed_encodings.txt"), mixed);

    // Bad ones.
    write(&d.join("bad/random.txt"), noise(64 * 1024, 7, false));
    write(
        &d.join("bad/random_with_nul.md"),
        noise(64 * 1024, 11, true),
    );
    write(&d.join("bad/nul.txt"), "二、存在问题\n党员\0意识不强。\n");
    let mut bad_utf8 = Vec::new();
    for line in report.lines() {
        // 0xFF is not a lead byte in UTF-8 nor in GB18030.
        bad_utf8.extend_from_slice(line.as_bytes());
        bad_utf8.extend_from_slice(b"\xFF\xFE\x80\n");
    }
    write(&d.join("bad/not_utf8_not_gb.txt"), bad_utf8);
    let docx = good_docx();
    write(&d.join("bad/truncated.docx"), &docx[..docx.len() / 2]);
    let mut corrupt = docx.clone();
    // Damage the compressed data of document.xml (right after its local header and name).
    for b in corrupt.iter_mut().skip(60).take(200) {
        *b ^= 0x5A;
    }
    write(&d.join("bad/corrupt.docx"), corrupt);
    write(&d.join("bad/noise.docx"), noise(4096, 3, true));
    write(
        &d.join("bad/not_word.docx"),
        zip_bytes(&[("hello.txt", "你好".as_bytes())]),
    );
    write(
        &d.join("bad/bad_xml.docx"),
        zip_bytes(&[(
            "word/document.xml",
            "<w:document><w:body><w:p><w:t>问题</w:p></w:document".as_bytes(),
        )]),
    );
    write(&d.join("bad/zip_named_txt.txt"), &docx);
    write(&d.join("bad/empty.txt"), b"");
    write(&d.join("bad/blank.md"), " \n\t\r\n\u{3000}\u{3000}\n  \n");
    write(
        &d.join("bad/blank.docx"),
        zip_bytes(&[("word/document.xml", docx_xml(&["  ", ""]).as_bytes())]),
    );
    write(
        &d.join("bad/old.doc"),
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
    );
    write(&d.join("bad/scan.pdf"), b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
    write(
        &d.join("bad/ole_named.txt"),
        b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest",
    );
    write(&d.join("bad/pdf_named.txt"), b"%PDF-1.7\nstream\n");
    // Neither reports nor known documents: passed over silently.
    write(&d.join("bad/picture.png"), noise(1000, 5, true));
    write(&d.join("bad/table.csv"), "a,b\n1,2\n");

    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);

    for f in [
        "utf8.txt",
        "gbk.txt",
        "utf16.txt",
        "word.docx",
        "mixed_encodings.txt",
    ] {
        run.assert_reported(&format!("good/{f}"));
    }
    let enc = |suffix: &str| {
        run.reports
            .iter()
            .find(|(id, _)| id.ends_with(suffix))
            .map(|r| r.1.clone())
            .unwrap()
    };
    assert_eq!(enc("good/gbk.txt"), "GB18030");
    assert_eq!(enc("good/utf16.txt"), "UTF-16LE (BOM)");
    assert_eq!(enc("good/word.docx"), "docx");
    assert!(enc("good/mixed_encodings.txt").starts_with("mixed"));

    run.assert_skipped("bad/random.txt", "undecodable");
    run.assert_skipped("bad/random_with_nul.md", "binary");
    run.assert_skipped("bad/nul.txt", "binary");
    run.assert_skipped("bad/not_utf8_not_gb.txt", "undecodable");
    run.assert_skipped("bad/truncated.docx", "bad_docx");
    run.assert_skipped("bad/corrupt.docx", "bad_docx");
    run.assert_skipped("bad/noise.docx", "bad_docx");
    run.assert_skipped("bad/not_word.docx", "bad_docx");
    run.assert_skipped("bad/bad_xml.docx", "bad_docx");
    run.assert_skipped("bad/zip_named_txt.txt", "bad_docx");
    run.assert_skipped("bad/empty.txt", "empty");
    run.assert_skipped("bad/blank.md", "empty");
    run.assert_skipped("bad/blank.docx", "empty");
    run.assert_skipped("bad/old.doc", "no_converter");
    run.assert_skipped("bad/scan.pdf", "bad_pdf");
    run.assert_skipped("bad/ole_named.txt", "unsupported");
    run.assert_skipped("bad/pdf_named.txt", "bad_pdf");
    assert!(!run
        .errors
        .iter()
        .any(|e| e.0.ends_with(".png") || e.0.ends_with(".csv")));
    assert_eq!(run.reports.len(), 5, "reports: {:?}", run.reports);
    assert_eq!(run.errors.len(), 17, "errors: {:?}", run.errors);
}

#[test]
fn a_clean_folder_exits_zero() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    write(&d.join("a.txt"), report_text());
    write(&d.join("b/c.docx"), good_docx());
    write(&d.join("b/d.md"), gb18030(TINY));
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(run.reports.len(), 3);
    assert!(run.errors.is_empty(), "{:?}", run.errors);
}

#[test]
fn files_named_on_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(&d.join("r.txt"), report_text());
    write(&d.join("scan.pdf"), b"%PDF-1.4\n");
    write(&d.join("old.doc"), b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    let missing = d.join("does_not_exist.txt");
    let out = d.join("out");
    let run = analyze(
        &[
            &d.join("r.txt"),
            &d.join("scan.pdf"),
            &d.join("old.doc"),
            &missing,
        ],
        &out,
        &[],
    );
    assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);
    run.assert_reported("r.txt");
    run.assert_skipped("scan.pdf", "bad_pdf");
    run.assert_skipped("old.doc", "no_converter");
    run.assert_skipped("does_not_exist.txt", "unreadable");
}

#[test]
fn zip_bomb_docx_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    // 200 MB of spaces inside a paragraph deflate to a few hundred KB; ingest stops at 64 MiB.
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    w.start_file("word/document.xml", opts).unwrap();
    w.write_all(br#"<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>"#)
        .unwrap();
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..200 {
        w.write_all(&spaces).unwrap();
    }
    w.write_all(b"</w:t></w:r></w:p></w:body></w:document>")
        .unwrap();
    let bomb = w.finish().unwrap().into_inner();
    assert!(bomb.len() < 2_000_000, "bomb is {} bytes", bomb.len());
    write(&d.join("bomb.docx"), bomb);
    write(&d.join("good.txt"), report_text());
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);
    run.assert_reported("good.txt");
    run.assert_skipped("bomb.docx", "bad_docx");
    let msg = &run
        .errors
        .iter()
        .find(|e| e.0.ends_with("bomb.docx"))
        .unwrap()
        .2;
    assert!(msg.contains("64 MiB"), "message: {msg}");
}

/// A report padded with blank lines to `size` bytes: the size guard is what is under test, and blank lines
/// keep the analysis of the rest cheap.
fn padded_report(path: &Path, size: usize) {
    let mut f = std::io::BufWriter::new(fs::File::create(path).unwrap());
    let report = report_text();
    f.write_all(report.as_bytes()).unwrap();
    let line = [b" ".repeat(99), b"\n".to_vec()].concat();
    let mut n = report.len();
    while n + line.len() <= size {
        f.write_all(&line).unwrap();
        n += line.len();
    }
    f.write_all(&b"\n".repeat(size - n)).unwrap();
    f.flush().unwrap();
}

#[test]
fn a_50_mb_report_is_too_large_by_default() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    fs::create_dir_all(&d).unwrap();
    padded_report(&d.join("huge.txt"), 50_000_000);
    write(&d.join("small.txt"), report_text());
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);
    run.assert_reported("small.txt");
    run.assert_skipped("huge.txt", "too_large");
    assert!(run.stderr.contains("--max-size"), "stderr:\n{}", run.stderr);
}

#[test]
fn a_25_mb_report_is_analysed_with_a_raised_limit() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    fs::create_dir_all(&d).unwrap();
    padded_report(&d.join("big.txt"), 25_000_000);
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &["--max-size", "60000000"]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    run.assert_reported("big.txt");
}

#[test]
fn a_10_mb_line_and_10000_headings() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    fs::create_dir_all(&d).unwrap();
    // 10 MB of Han characters, no punctuation, no line break.
    let han = "党员教育管理工作基层组织建设".repeat(10_000_000 / 42 + 1);
    write(&d.join("one_line.txt"), han);
    let mut headings = String::from("述职报告\n");
    for i in 1..=10_000 {
        let marker = match i % 4 {
            0 => format!("{i}. "),
            1 => format!("（{i}）"),
            2 => format!("{i}、"),
            _ => "一是".to_string(),
        };
        headings.push_str(&format!("{marker}存在问题{i}：党员教育管理不够严格。\n"));
    }
    write(&d.join("headings.txt"), headings);
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    run.assert_reported("one_line.txt");
    run.assert_reported("headings.txt");
}

#[cfg(unix)]
#[test]
fn deep_folders_and_symlink_loops() {
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    let mut deep = d.clone();
    for i in 0..200 {
        deep.push(format!("d{i}"));
        if i == 100 {
            write(&deep.join("middle.txt"), TINY);
        }
    }
    write(&deep.join("bottom.txt"), report_text());
    // A folder link back to the root, and one to its own parent.
    symlink(&d, d.join("d0/d1/loop_to_root")).unwrap();
    symlink("..", d.join("d0/up")).unwrap();
    // A file link to itself, and one to nothing.
    symlink("self.txt", d.join("self.txt")).unwrap();
    symlink("gone.txt", d.join("dangling.txt")).unwrap();
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);
    run.assert_reported("d100/middle.txt");
    run.assert_reported("d199/bottom.txt");
    assert_eq!(run.reports.len(), 2, "{:?}", run.reports);
    assert!(
        run.errors.iter().any(|e| e.1 == "walk"),
        "symlink loop not reported: {:?}",
        run.errors
    );
    run.assert_skipped("self.txt", "unreadable");
    run.assert_skipped("dangling.txt", "unreadable");
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    write(&d.join("ok.txt"), report_text());
    write(&d.join("locked.txt"), report_text());
    write(&d.join("locked_dir/inner.txt"), report_text());
    fs::set_permissions(d.join("locked.txt"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(d.join("locked_dir"), fs::Permissions::from_mode(0o000)).unwrap();
    // chmod 000 stops nobody running as root (as CI containers often do).
    let privileged = fs::File::open(d.join("locked.txt")).is_ok();
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    fs::set_permissions(d.join("locked_dir"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(d.join("locked.txt"), fs::Permissions::from_mode(0o644)).unwrap();
    run.assert_reported("ok.txt");
    if privileged {
        eprintln!(
            "note: running with privileges that ignore file modes (root?); chmod 000 does not make files \
             unreadable here, so only 'no panic, everything analysed' is checked"
        );
        assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
        run.assert_reported("locked.txt");
        run.assert_reported("locked_dir/inner.txt");
    } else {
        assert_eq!(run.code, 3, "stderr:\n{}", run.stderr);
        run.assert_skipped("locked.txt", "unreadable");
        run.assert_skipped("locked_dir", "unreadable");
    }
}

#[cfg(unix)]
#[test]
fn file_names_that_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    // 报告 and 党委 in GBK: common on archives made on Windows.
    let dir = d.join(OsStr::from_bytes(b"\xb5\xb3\xce\xaf"));
    write(
        &dir.join(OsStr::from_bytes(b"\xb1\xa8\xb8\xe6.txt")),
        report_text(),
    );
    write(
        &d.join(OsStr::from_bytes(b"bad\xff\xfename.docx")),
        good_docx(),
    );
    write(&d.join("plain.txt"), TINY);
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(run.reports.len(), 3, "{:?}", run.reports);
    assert!(run.reports.iter().all(|(id, _)| !id.is_empty()));
    // Ids stay distinct even though the names were lossily converted.
    let mut ids: Vec<_> = run.reports.iter().map(|r| r.0.clone()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3);
}

#[test]
fn a_folder_of_10000_tiny_files() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    for i in 0..10_000 {
        write(&d.join(format!("{:02}/{i:05}.txt", i % 50)), TINY);
    }
    let out = tmp.path().join("out");
    let run = analyze(&[&d], &out, &[]);
    assert_eq!(run.code, 0, "stderr:\n{}", run.stderr);
    assert_eq!(run.reports.len(), 10_000);
    assert!(run.errors.is_empty());
}

/// Every file in a folder with its bytes, sorted by name.
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[cfg(unix)]
#[test]
fn interrupted_run_leaves_previous_outputs_intact() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("in");
    for i in 0..3_000 {
        write(
            &d.join(format!("{:02}/{i:04}.txt", i % 30)),
            format!("{TINY}（二）第{i}个支部组织生活不规范。\n"),
        );
    }
    let out = tmp.path().join("out");
    let first = analyze(&[&d], &out, &[]);
    assert_eq!(first.code, 0, "stderr:\n{}", first.stderr);
    assert_eq!(first.reports.len(), 3_000);
    let before = snapshot(&out);

    // Same inputs plus one more file, so that a run that completes would change reports.jsonl.
    write(&d.join("zz/extra.txt"), report_text());
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("shuzhi"))
        .current_dir(repo())
        .arg("analyze")
        .arg(&d)
        .arg("--out")
        .arg(&out)
        .arg("--model")
        .arg(model())
        .arg("--quiet")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Signalled as soon as the reports are being analysed: a fixed delay could land after the end of a
    // run that has become fast.
    assert!(
        common::wait_for_staging(&out, &mut child, TIMEOUT),
        "the run never reached its analysis"
    );
    let killed = std::process::Command::new("kill")
        .arg("-INT")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("analyze did not stop after SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    // 130 from the Ctrl-C handler (installed before the staging folder is made).
    let how = (status.code(), status.signal());
    assert!(
        matches!(how, (Some(130), _)),
        "unexpected end after SIGINT: {how:?}; stderr:\n{stderr}"
    );
    let after = snapshot(&out);
    let names = |s: &[(String, Vec<u8>)]| s.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    // Temp files of the interrupted run may remain only if it was killed outright; outputs must not change.
    let kept: Vec<_> = after
        .iter()
        .filter(|f| !f.0.starts_with(".shuzhi-tmp-"))
        .cloned()
        .collect();
    assert_eq!(names(&before), names(&kept));
    for ((name, a), (_, b)) in before.iter().zip(&kept) {
        assert!(a == b, "{name} changed by the interrupted run");
    }

    // The next run completes and leaves no temp files.
    let again = analyze(&[&d], &out, &[]);
    assert_eq!(again.code, 0, "stderr:\n{}", again.stderr);
    assert_eq!(again.reports.len(), 3_001);
    let litter: Vec<_> = fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".shuzhi-tmp-"))
        .map(|e| e.file_name())
        .collect();
    assert!(litter.is_empty(), "temp files left: {litter:?}");
}
