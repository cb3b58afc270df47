//! Messages a user can act on: long user values are cut (a pattern, a label line, a refused argument, a
//! path), a regex over the size limit says why, and a .docx with broken XML is called malformed, not empty.
//! Each test runs the real binary; docs/RELIABILITY.md lists them.

mod common;

use common::{expect_code, repo, shuzhi};
use std::path::Path;
use std::time::Duration;

/// Longest stderr a refused long value may give: the message around at most 200 characters of it.
const SHORT: usize = 2_000;

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A taxonomy of one theme with this pattern.
fn taxonomy(dir: &Path, pattern: &str) -> std::path::PathBuf {
    let p = dir.join("themes.toml");
    std::fs::write(
        &p,
        format!(
            "format = 1\n[[theme]]\nid = \"x\"\nfamily = \"problem\"\nname = \"甲\"\npatterns = ['{pattern}']\n"
        ),
    )
    .unwrap();
    p
}

fn train_with_taxonomy(themes: &Path, out: &Path) -> std::process::Output {
    shuzhi()
        .args(["train", "--quiet", "--themes"])
        .arg(themes)
        .arg("--out")
        .arg(out)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

#[test]
fn a_one_megabyte_pattern_is_cut_in_the_message() {
    let d = tempfile::tempdir().unwrap();
    // About 1.3 MB, and too large to compile as well.
    let themes = taxonomy(d.path(), &"(甲|乙)".repeat(150_000));
    let o = train_with_taxonomy(&themes, &d.path().join("m"));
    expect_code(&o, 1);
    let e = stderr(&o);
    // Before the fix the whole pattern was echoed (1,350,086 bytes of stderr).
    assert!(e.len() < SHORT, "{} bytes of stderr", e.len());
    assert!(
        e.contains("themes.toml:6: theme 'x': pattern '(甲|乙)"),
        "{e}"
    );
    assert!(e.contains("… (1350000 bytes)"), "{e}");
}

#[test]
fn a_pattern_over_the_regex_size_limit_says_why() {
    let d = tempfile::tempdir().unwrap();
    let themes = taxonomy(d.path(), &r"\w{500}".repeat(40));
    let o = train_with_taxonomy(&themes, &d.path().join("m"));
    expect_code(&o, 1);
    let e = stderr(&o);
    // Before the fix: "does not compile: error building NFA" and nothing else.
    assert!(!e.contains("error building NFA"), "{e}");
    assert!(
        e.contains("too large or too complex") && e.contains("size limit"),
        "{e}"
    );
}

#[test]
fn a_huge_label_line_is_cut_in_the_message() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::copy(repo().join("corpus/2019/a01.txt"), c.join("a01.txt")).unwrap();
    let huge = "党".repeat(10_000_000);
    // An unknown theme id and a value of the wrong type (serde quotes it), each 30 MB.
    let labels = format!(
        "{{\"report\": \"a01.txt\", \"text\": \"党员\", \"themes\": [\"{huge}\"]}}\n\
         {{\"report\": \"a01.txt\", \"text\": \"党员\", \"themes\": \"{huge}\"}}\n"
    );
    std::fs::write(c.join("labels.jsonl"), labels).unwrap();
    let o = shuzhi()
        .args(["train", "--quiet", "--corpus"])
        .arg(&c)
        .arg("--out")
        .arg(d.path().join("m"))
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    expect_code(&o, 1);
    let e = stderr(&o);
    // Before the fix both lines were echoed whole (60 MB of stderr).
    assert!(e.len() < 2 * SHORT, "{} bytes of stderr", e.len());
    let line = |n: &str| e.lines().find(|l| l.contains(n)).unwrap_or_default();
    let one = line("labels.jsonl:1:");
    assert!(
        one.contains("unknown theme id '党党") && one.ends_with("… (30000000 bytes)'"),
        "{one}"
    );
    let two = line("labels.jsonl:2:");
    assert!(
        two.contains("bad JSON: invalid type: string \"党党") && two.contains("… (300000"),
        "{two}"
    );
}

#[test]
fn a_refused_long_argument_is_cut_in_the_message() {
    let long = "9".repeat(100_000);
    let o = shuzhi()
        .args(["analyze", "--shard", &long])
        .output()
        .unwrap();
    expect_code(&o, 2);
    let e = stderr(&o);
    // Before the fix clap quoted the whole value (100,107 bytes).
    assert!(e.len() < SHORT, "{} bytes of stderr", e.len());
    assert!(
        e.contains("--shard") && e.contains("… (100000 bytes)"),
        "{e}"
    );
    let o = shuzhi().args(["merge", &long]).output().unwrap();
    expect_code(&o, 1);
    let e = stderr(&o);
    // Before the fix the path was shown twice (200,186 bytes).
    assert!(e.len() < SHORT, "{} bytes of stderr", e.len());
    assert!(e.contains("99…99") && e.contains("(100000 bytes)"), "{e}");
}

#[test]
fn a_docx_with_unclosed_xml_is_called_malformed_not_empty() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::copy(repo().join("corpus/2019/a01.txt"), c.join("a01.txt")).unwrap();
    let head = "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>";
    for (name, tail) in [
        ("cut.docx", "<w:p><w:r><w:t>一、存在的问题。党员队伍老化。"),
        ("garbled.docx", "<w:p <<<<>>>"),
    ] {
        let mut z = zip::ZipWriter::new(std::fs::File::create(c.join(name)).unwrap());
        z.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(format!("{head}{tail}").as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let out = d.path().join("out");
    let o = shuzhi()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(&c)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    expect_code(&o, 3);
    let rows = common::error_rows(&out);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (path, kind, message) in rows {
        // Before the fix both were "empty file (no text after decoding)".
        assert_eq!(kind, "bad_docx", "{path}: {message}");
        assert!(
            message.contains("malformed word/document.xml"),
            "{path}: {message}"
        );
    }
    let o = shuzhi()
        .arg("inspect")
        .arg(c.join("cut.docx"))
        .output()
        .unwrap();
    expect_code(&o, 1);
    assert!(stderr(&o).contains("not closed"), "{}", stderr(&o));
}
