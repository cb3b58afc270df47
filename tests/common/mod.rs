//! Helpers shared by the integration tests: where the repository is, the binary run from there, and
//! `inspect --json` parsed.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The repository root (where `corpus/` and `models/` are).
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary under test: `SHUZHI_TEST_BIN` when set (to run a test against another build, e.g. to see it
/// fail on an older one), else this crate's.
pub fn bin() -> PathBuf {
    std::env::var_os("SHUZHI_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("shuzhi"))
}

/// The `shuzhi` binary, run from the repository root.
pub fn shuzhi() -> Command {
    let mut cmd = Command::new(bin());
    cmd.current_dir(repo());
    cmd
}

/// `shuzhi analyze corpus --quiet --model models/default --out OUT EXTRA…`, run from the repository root,
/// ready to run.
pub fn analyze_corpus(out: &Path, extra: &[&str]) -> Command {
    let mut cmd = shuzhi();
    cmd.args([
        "analyze",
        "corpus",
        "--quiet",
        "--model",
        "models/default",
        "--out",
    ])
    .arg(out)
    .args(extra);
    cmd
}

/// `shuzhi inspect --json FILE`, parsed; fails the test if the command fails.
pub fn inspect(path: &Path) -> Value {
    let out = shuzhi()
        .args(["inspect", "--json"])
        .arg(path)
        .output()
        .expect("run shuzhi inspect");
    assert!(
        out.status.success(),
        "inspect {} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("inspect --json prints JSON")
}

/// Fails with the command's stderr unless it exited with `code`.
pub fn expect_code(o: &std::process::Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The rows of `OUT/errors.csv` as (file name, kind, message), after checking its header.
pub fn error_rows(out: &Path) -> Vec<(String, String, String)> {
    let mut rdr = csv::Reader::from_path(out.join("errors.csv")).expect("errors.csv");
    let headers = rdr.headers().expect("errors.csv header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["path", "kind", "message"]
    );
    rdr.records()
        .map(|r| {
            let r = r.expect("errors.csv row");
            let name = Path::new(&r[0])
                .file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            (name, r[1].to_string(), r[2].to_string())
        })
        .collect()
}

/// Waits until the `analyze` run of process `pid` has its staging folder beside `out` (it is made right
/// before the reports are analysed), so that a signal sent next reaches a run in progress, not one still
/// loading or already done. False if it did not appear within `limit` or the process ended first.
pub fn wait_for_staging(
    out: &Path,
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> bool {
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let staging = out
        .parent()
        .unwrap()
        .join(format!(".{name}.shuzhi-tmp-{}", child.id()));
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if staging.exists() {
            return true;
        }
        if child.try_wait().ok().flatten().is_some() {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    false
}
