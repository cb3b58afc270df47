//! The batch run as a whole: inputs that are not regular files, nothing to read, output folders inside
//! inputs, concurrent runs, interruption at random moments, a full disk, merge checks, absurd thread
//! counts and CSV formula injection. Each test runs the real binary; docs/RELIABILITY.md lists them.

mod common;

use common::{bin, expect_code, repo, shuzhi};
use shuzhi::outset::RunManifest;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A corpus of `n` shipped reports (2019) with the matching manifest rows.
fn small_corpus(dir: &Path, n: usize) -> PathBuf {
    let c = dir.join("c");
    std::fs::create_dir_all(c.join("2019")).unwrap();
    let mut manifest = String::from("path,year,unit,unit_type\n");
    let mut names: Vec<String> = std::fs::read_dir(repo().join("corpus/2019"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    for (i, name) in names.into_iter().take(n).enumerate() {
        std::fs::copy(
            repo().join("corpus/2019").join(&name),
            c.join("2019").join(&name),
        )
        .unwrap();
        manifest.push_str(&format!("2019/{name},2019,单位{i},村党支部\n"));
    }
    std::fs::write(c.join("manifest.csv"), manifest).unwrap();
    c
}

fn analyze(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    shuzhi()
        .args(["analyze", "--quiet", "--out"])
        .arg(out)
        .arg(input)
        .args(extra)
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap()
}

/// The folder holds exactly one complete run (manifest present, every file as recorded, no other
/// output) and no staging folder of a run is left beside it; returns the run's name.
fn one_complete_run(out: &Path) -> String {
    let m = RunManifest::load(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    m.verify(out).unwrap();
    m.run
}

#[cfg(unix)]
#[test]
fn named_pipes_are_skipped_with_a_reason_not_read() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let fifo = c.join("2019/pipe.txt");
    let ok = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = d.path().join("out");
    // Without the fix the run opens the pipe and waits forever; the timeout fails the test.
    let o = analyze(&c, &out, &[]);
    expect_code(&o, 3);
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(
        errors.contains("pipe.txt") && errors.contains("not_regular"),
        "{errors}"
    );
}

#[test]
fn nothing_to_read_exits_1_and_keeps_the_previous_outputs() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let out = d.path().join("out");
    assert_eq!(analyze(&c, &out, &[]).status.code(), Some(0));
    let before = std::fs::read(out.join("reports.jsonl")).unwrap();
    let o = analyze(&d.path().join("no_such_folder"), &out, &[]);
    expect_code(&o, 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("unchanged"));
    assert_eq!(std::fs::read(out.join("reports.jsonl")).unwrap(), before);
    one_complete_run(&out);
}

#[test]
fn an_output_folder_inside_the_input_is_never_read() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let out = c.join("out");
    for _ in 0..2 {
        let o = analyze(&c, &out, &[]);
        expect_code(&o, 0);
    }
    let reports = std::fs::read_to_string(out.join("reports.jsonl")).unwrap();
    assert_eq!(reports.lines().count(), 2, "{reports}");
    assert!(!reports.contains("summary.md"));
    // Another output folder in the input (any folder with a run manifest) is passed over too.
    std::fs::rename(&out, c.join("old_out")).unwrap();
    let o = analyze(&c, &d.path().join("o2"), &[]);
    expect_code(&o, 0);
}

#[test]
fn a_second_run_into_the_same_folder_is_refused() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let out = d.path().join("out");
    assert_eq!(analyze(&c, &out, &[]).status.code(), Some(0));
    let before = one_complete_run(&out);
    // A run holds the lock on the output folder while it writes; hold it here as a run would.
    let held = std::fs::File::open(&out).unwrap();
    held.try_lock().unwrap();
    let o = analyze(&c, &out, &["--by", "year"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("another shuzhi run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop(held);
    assert_eq!(one_complete_run(&out), before);
}

#[test]
fn out_naming_a_file_or_a_foreign_folder_is_refused_clearly() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 1);
    let file = d.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let o = analyze(&c, &file, &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is a file"));
    let o = analyze(&c, d.path(), &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("which shuzhi did not write"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// Kills `analyze` at many moments (a fixed pseudo-random sequence over the length of an uninterrupted
/// run, timed first, so that the kills keep landing inside the run however fast it gets) while it
/// replaces one complete run with another; after each kill the folder must hold one of the two.
#[cfg(unix)]
#[test]
fn a_kill_at_any_moment_leaves_one_complete_run_old_or_new() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let timed = std::time::Instant::now();
    let whole = shuzhi()
        .args(["analyze", "corpus", "--quiet", "--out"])
        .arg(d.path().join("timed"))
        .output()
        .unwrap();
    expect_code(&whole, 0);
    let span_ms = (timed.elapsed().as_millis() as u64).max(50);
    let small = small_corpus(d.path(), 3);
    assert_eq!(analyze(&small, &out, &[]).status.code(), Some(0));
    let old = one_complete_run(&out);
    let mut seed: u64 = 0x5eed;
    for round in 0..24 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = Duration::from_millis((seed >> 33) % span_ms);
        let mut child = std::process::Command::new(bin())
            .current_dir(repo())
            .args(["analyze", "corpus", "--quiet", "--out"])
            .arg(&out)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        let _ = child.kill();
        child.wait().unwrap();
        // Complete (every file as the manifest records it, nothing else), and either the old run or a
        // run over the new input.
        let now = one_complete_run(&out);
        let inputs = RunManifest::load(&out).unwrap().inputs;
        assert!(
            now == old || inputs == ["corpus"],
            "round {round}: the folder holds neither run"
        );
    }
    // The next run removes what the killed ones left beside the folder.
    assert_eq!(analyze(&small, &out, &[]).status.code(), Some(0));
    let left: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("shuzhi-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(one_complete_run(&out), old);
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_and_removes_its_files() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("out");
    let small = small_corpus(d.path(), 3);
    assert_eq!(analyze(&small, &out, &[]).status.code(), Some(0));
    let old = one_complete_run(&out);
    let mut child = std::process::Command::new(bin())
        .current_dir(repo())
        .args(["analyze", "corpus", "--quiet", "--threads", "1", "--out"])
        .arg(&out)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Signalled as soon as the reports are being analysed, not after a fixed delay (which a fast run
    // could outlast, leaving nothing tested).
    assert!(
        common::wait_for_staging(&out, &mut child, Duration::from_secs(60)),
        "the run never reached its analysis"
    );
    // SAFETY: signals a child this test started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(one_complete_run(&out), old);
    let left: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("shuzhi-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A small disk that really fills: a 700 KB tmpfs, mounted in a private user and mount namespace
/// (`unshare -rm`, no root needed). The full corpus does not fit, so the run fails; the folder must still
/// hold the previous complete run and nothing else may be left on the disk.
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_leaves_the_previous_run() {
    let d = tempfile::tempdir().unwrap();
    let small = small_corpus(d.path(), 2);
    let disk = d.path().join("disk");
    let copy = d.path().join("copy");
    std::fs::create_dir_all(&disk).unwrap();
    let script = format!(
        "mount -t tmpfs -o size=700k none '{disk}' || exit 99\n\
         '{bin}' analyze --quiet --out '{disk}/out' '{small}' || exit 98\n\
         '{bin}' analyze --quiet --out '{disk}/out' corpus; echo $? > '{disk}/out.rc'\n\
         ls -A '{disk}' > '{disk}/listing'\n\
         cp -r '{disk}' '{copy}'",
        disk = disk.display(),
        bin = bin().display(),
        small = small.display(),
        copy = copy.display()
    );
    let st = std::process::Command::new("unshare")
        .args(["-rm", "sh", "-c", &script])
        .current_dir(repo())
        .status();
    match st.map(|s| s.code()) {
        Ok(Some(0)) => {}
        other => {
            assert!(
                std::env::var_os("SHUZHI_REQUIRE_TMPFS").is_none(),
                "no private tmpfs here ({other:?})"
            );
            eprintln!("skipped: cannot mount a private tmpfs here ({other:?})");
            return;
        }
    }
    let rc = std::fs::read_to_string(copy.join("out.rc")).unwrap();
    assert_eq!(rc.trim(), "1", "the run on a full disk must fail");
    let listing = std::fs::read_to_string(copy.join("listing")).unwrap();
    assert_eq!(
        listing.split_whitespace().collect::<Vec<_>>(),
        ["listing", "out", "out.rc"],
        "{listing}"
    );
    let m = RunManifest::load(&copy.join("out")).unwrap();
    m.verify(&copy.join("out")).unwrap();
    assert_eq!(m.reports, 2);
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_run() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 6);
    let shard = |k: u32| {
        let out = d.path().join(format!("s{k}"));
        let o = analyze(&c, &out, &["--shard", &format!("{k}/2")]);
        assert!(
            o.status.code() == Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    };
    let (s1, s2) = (shard(1), shard(2));
    let whole = d.path().join("whole");
    assert_eq!(analyze(&c, &whole, &[]).status.code(), Some(0));
    let merge = |dirs: &[&Path]| {
        let mut cmd = shuzhi();
        cmd.arg("merge")
            .args(dirs)
            .arg("--out")
            .arg(d.path().join("m"));
        cmd.output().unwrap()
    };
    let ok = merge(&[&s1, &s2]);
    expect_code(&ok, 0);
    for (dirs, why) in [
        (vec![s1.as_path(), s1.as_path()], "twice"),
        (vec![s1.as_path()], "missing"),
        (
            vec![s1.as_path(), s2.as_path(), whole.as_path()],
            "whole run",
        ),
    ] {
        let o = merge(&dirs);
        assert_eq!(o.status.code(), Some(1), "{why}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(why),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // A tampered count is caught by the recorded checksums.
    let agg = s2.join("aggregate.json");
    let text = std::fs::read_to_string(&agg).unwrap();
    std::fs::write(&agg, text.replacen("\"reports\":", "\"reports\":1", 1)).unwrap();
    let o = merge(&[&s1, &s2]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("aggregate.json"));
}

#[test]
fn absurd_thread_counts_are_capped_with_a_message() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 3);
    let o = analyze(&c, &d.path().join("out"), &["--threads", "100000"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stderr).contains("capped"));
}

#[test]
fn no_csv_text_cell_starts_a_formula() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    std::fs::create_dir_all(c.join("2019")).unwrap();
    std::fs::create_dir_all(c.join("2020")).unwrap();
    let mut manifest = String::from("path,year,unit,unit_type\n");
    for (y, f) in [("2019", "a01.txt"), ("2020", "a01.txt")] {
        std::fs::copy(repo().join("corpus/2019/a01.txt"), c.join(y).join(f)).unwrap();
        manifest.push_str(&format!("{y}/{f},{y},=HYPERLINK(\"x\"),@SUM(A1)\n"));
    }
    std::fs::write(c.join("manifest.csv"), manifest).unwrap();
    for extra in [&[][..], &["--excel"][..]] {
        let out = d.path().join(format!("out{}", extra.len()));
        let o = analyze(&c, &out, extra);
        expect_code(&o, 0);
        for e in std::fs::read_dir(&out).unwrap().flatten() {
            if !e.file_name().to_string_lossy().ends_with(".csv") {
                continue;
            }
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_path(e.path())
                .unwrap();
            for rec in r.records() {
                for cell in rec.unwrap().iter() {
                    let cell = cell.trim_start_matches('\u{feff}');
                    let live =
                        cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err();
                    assert!(!live, "{}: {cell}", e.path().display());
                }
            }
        }
    }
}

/// The ids of `reports.jsonl`, in file order.
fn report_ids(out: &Path) -> Vec<String> {
    std::fs::read_to_string(out.join("reports.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["id"].as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn two_roots_with_the_same_folder_name_keep_both_reports() {
    let d = tempfile::tempdir().unwrap();
    for (root, src) in [("a", "a01.txt"), ("b", "a02.txt")] {
        let dir = d.path().join(root).join("reports");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(repo().join("corpus/2019").join(src), dir.join("r.txt")).unwrap();
    }
    let out = d.path().join("out");
    let o = shuzhi()
        .args(["analyze", "--quiet", "--out"])
        .arg(&out)
        .arg(d.path().join("a/reports"))
        .arg(d.path().join("b/reports"))
        .output()
        .unwrap();
    expect_code(&o, 0);
    // Before the fix both became `reports/r.txt` and one report was silently dropped.
    assert_eq!(report_ids(&out), ["a/reports/r.txt", "b/reports/r.txt"]);
}

#[cfg(target_os = "linux")]
#[test]
fn file_names_that_are_not_utf8_keep_distinct_ids_or_are_reported() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    let name = |b: &[u8]| c.join(std::ffi::OsStr::from_bytes(b));
    let src = |f: &str| repo().join("corpus/2019").join(f);
    std::fs::copy(src("a01.txt"), name(b"r\xff.txt")).unwrap();
    std::fs::copy(src("a02.txt"), name(b"r\xfe.txt")).unwrap();
    let out = d.path().join("out");
    let o = analyze(&c, &out, &[]);
    expect_code(&o, 0);
    // Before the fix both were `r\u{FFFD}.txt` and one report was silently dropped.
    assert_eq!(report_ids(&out), ["r%FE.txt", "r%FF.txt"]);
    // A UTF-8 name spelling the escape takes the id first; the other file is reported, not merged.
    std::fs::copy(src("a03.txt"), c.join("r%FE.txt")).unwrap();
    let o = analyze(&c, &out, &[]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(report_ids(&out), ["r%FE.txt", "r%FF.txt"]);
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(
        errors.contains("duplicate_id") && errors.contains("r%FE.txt"),
        "{errors}"
    );
}

/// `reports.jsonl` of a one-file run, parsed.
fn only_report(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("reports.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    serde_json::from_str(lines[0]).unwrap()
}

#[test]
fn a_utf8_file_cut_inside_its_last_character_is_read_as_utf8() {
    let d = tempfile::tempdir().unwrap();
    let whole = std::fs::read_to_string(repo().join("corpus/2019/a01.txt")).unwrap();
    let whole = whole.trim_end();
    let (full, cut) = (d.path().join("full"), d.path().join("cut"));
    std::fs::create_dir_all(&full).unwrap();
    std::fs::create_dir_all(&cut).unwrap();
    std::fs::write(full.join("r.txt"), whole).unwrap();
    // Drop the last byte of the last (Chinese) character.
    std::fs::write(cut.join("r.txt"), &whole.as_bytes()[..whole.len() - 1]).unwrap();
    let (o_full, o_cut) = (d.path().join("o_full"), d.path().join("o_cut"));
    assert_eq!(analyze(&full, &o_full, &[]).status.code(), Some(0));
    let o = analyze(&cut, &o_cut, &[]);
    expect_code(&o, 0);
    let (a, b) = (only_report(&o_full), only_report(&o_cut));
    assert_eq!(b["encoding"], "UTF-8", "{b}");
    assert!(b["warnings"].to_string().contains("cut short"), "{b}");
    assert_eq!(a["raised"], b["raised"]);
}

#[test]
fn utf16_without_a_byte_order_mark_is_read_not_called_binary() {
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join("corpus/2019/a01.txt")).unwrap();
    let (utf8, le) = (d.path().join("utf8"), d.path().join("le"));
    std::fs::create_dir_all(&utf8).unwrap();
    std::fs::create_dir_all(&le).unwrap();
    std::fs::write(utf8.join("r.txt"), &text).unwrap();
    let bytes: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    std::fs::write(le.join("r.txt"), bytes).unwrap();
    let (o8, o16) = (d.path().join("o8"), d.path().join("o16"));
    assert_eq!(analyze(&utf8, &o8, &[]).status.code(), Some(0));
    let o = analyze(&le, &o16, &[]);
    expect_code(&o, 0);
    let (a, b) = (only_report(&o8), only_report(&o16));
    assert_eq!(b["encoding"], "UTF-16LE (no BOM)");
    assert_eq!(a["raised"], b["raised"]);
}

#[cfg(target_os = "linux")]
#[test]
fn a_path_longer_than_the_system_allows_gets_a_row_in_errors_csv() {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 1);
    // Folders nested deeper than PATH_MAX (4096 bytes), made one level at a time relative to the last
    // (by path they cannot be reached); a report at the bottom.
    let seg = CString::new("d".repeat(200)).unwrap();
    let top = CString::new(c.as_os_str().as_bytes()).unwrap();
    // SAFETY: plain *at calls on descriptors opened here, each closed once replaced.
    unsafe {
        let mut fd = libc::open(top.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
        assert!(fd >= 0);
        for _ in 0..22 {
            assert_eq!(libc::mkdirat(fd, seg.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, seg.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        let name = CString::new("deep.txt").unwrap();
        let f = libc::openat(fd, name.as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o644);
        assert!(f >= 0);
        let text = std::fs::read(repo().join("corpus/2019/a02.txt")).unwrap();
        assert_eq!(
            libc::write(f, text.as_ptr().cast(), text.len()),
            text.len() as isize
        );
        libc::close(f);
        libc::close(fd);
    }
    let out = d.path().join("out");
    let o = analyze(&c, &out, &[]);
    // Before the fix the run passed over the deep folder without a word and exited 0.
    expect_code(&o, 3);
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(errors.contains("path too long"), "{errors}");
}

/// The write end of a pipe whose reader has already gone: every write to it fails with EPIPE, as
/// writes to `… | head -1` do once `head` has its line.
#[cfg(unix)]
fn closed_pipe() -> std::process::Stdio {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe() fills two fresh descriptors; the read end is closed at once, the write end is owned
    // by the returned value.
    unsafe {
        assert_eq!(libc::pipe(fds.as_mut_ptr()), 0);
        libc::close(fds[0]);
        std::process::Stdio::from(std::os::fd::OwnedFd::from_raw_fd(fds[1]))
    }
}

#[cfg(unix)]
#[test]
fn closed_stdout_and_stderr_never_panic_and_outputs_are_complete() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    std::fs::write(c.join("2019/empty.txt"), "").unwrap();
    let out = d.path().join("out");
    // Not --quiet: a skip message and the summary table go to stderr.
    let st = std::process::Command::new(bin())
        .current_dir(repo())
        .args(["analyze", "--out"])
        .arg(&out)
        .arg(&c)
        .stdout(closed_pipe())
        .stderr(closed_pipe())
        .status()
        .unwrap();
    // Before the fix the first message panicked: exit 101 and no outputs.
    assert_eq!(st.code(), Some(3));
    one_complete_run(&out);
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(errors.contains("empty.txt"), "{errors}");
    // Commands that print their result: no panic (101), and success since the reader took what it wanted.
    for args in [
        &["corpus", "stats"][..],
        &["inspect", "corpus/2019/a01.txt"][..],
        &["man"][..],
        &["completions", "bash"][..],
    ] {
        let o = std::process::Command::new(bin())
            .current_dir(repo())
            .args(args)
            .stdout(closed_pipe())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

#[test]
fn summary_md_escapes_unit_names() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    let mut manifest = String::from("path,year,unit,unit_type\n");
    // The same unit in two consecutive years: a persistent problem names it in summary.md.
    for y in ["2019", "2020"] {
        std::fs::create_dir_all(c.join(y)).unwrap();
        std::fs::copy(repo().join("corpus/2019/a01.txt"), c.join(y).join("a.txt")).unwrap();
        manifest.push_str(&format!(
            "{y}/a.txt,{y},\"<img src=x onerror=alert(1)>|坏|\n# 标题 [链接](http://x)\",村党支部\n"
        ));
    }
    std::fs::write(c.join("manifest.csv"), manifest).unwrap();
    let out = d.path().join("out");
    let o = analyze(&c, &out, &[]);
    expect_code(&o, 0);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    let line = md
        .lines()
        .find(|l| l.contains("onerror"))
        .unwrap_or_else(|| panic!("the unit is not in summary.md:\n{md}"));
    // Before the fix the name went in raw: live HTML, a table pipe, and a line break starting a heading.
    assert!(!md.contains("<img"), "{line}");
    assert!(
        line.contains("&lt;img") && line.contains("\\|坏\\|"),
        "{line}"
    );
    assert!(line.contains("\\[链接\\]"), "{line}");
    assert!(!md.lines().any(|l| l.starts_with("# 标题")), "{md}");
}

/// `shuzhi label import SHEET --labels LABELS --corpus CORPUS`, run.
fn label_import(sheet: &Path, labels: &Path, corpus: &Path) -> std::process::Output {
    shuzhi()
        .args(["label", "import"])
        .arg(sheet)
        .arg("--labels")
        .arg(labels)
        .arg("--corpus")
        .arg(corpus)
        .output()
        .unwrap()
}

#[test]
fn label_export_csv_starts_no_formula_and_import_reads_the_text_back() {
    let d = tempfile::tempdir().unwrap();
    let c = d.path().join("c");
    std::fs::create_dir_all(&c).unwrap();
    std::fs::copy(repo().join("corpus/2019/a01.txt"), c.join("=cmd.txt")).unwrap();
    std::fs::write(
        c.join("manifest.csv"),
        "path,year,unit,unit_type\n=cmd.txt,2019,@SUM(A1),村党支部\n",
    )
    .unwrap();
    let sheet = d.path().join("sheet.csv");
    let o = shuzhi()
        .args(["label", "export", "--model", "models/default", "--out"])
        .arg(&sheet)
        .arg(&c)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(&sheet)
        .unwrap()
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    for cell in rows.iter().skip(1).flatten() {
        let live = cell.starts_with(['=', '+', '-', '@']) && cell.parse::<f64>().is_err();
        // Before the fix the report id and the unit went in as live formulas.
        assert!(!live, "{cell}");
    }
    // Fill one row as a person would (themes: none) and import it: the id is read back as it was.
    let tc = rows[0].iter().position(|h| h == "themes").unwrap();
    rows[1][tc] = "-".into();
    let filled = d.path().join("filled.csv");
    let mut w = csv::Writer::from_path(&filled).unwrap();
    for r in &rows {
        w.write_record(r).unwrap();
    }
    w.flush().unwrap();
    let labels = d.path().join("labels.jsonl");
    let o = label_import(&filled, &labels, &c);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&labels).unwrap();
    let v: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(v["report"], "=cmd.txt", "{text}");
}

#[test]
fn a_small_docx_that_inflates_past_max_size_is_skipped() {
    use std::io::Write;
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 1);
    // About 3 MB of document XML, a few KB zipped.
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>",
    );
    for _ in 0..60_000 {
        xml.push_str("<w:p><w:r><w:t>一、存在的问题</w:t></w:r></w:p>");
    }
    xml.push_str("</w:body></w:document>");
    let mut z = zip::ZipWriter::new(std::fs::File::create(c.join("2019/bomb.docx")).unwrap());
    z.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    z.write_all(xml.as_bytes()).unwrap();
    z.finish().unwrap();
    assert!(std::fs::metadata(c.join("2019/bomb.docx")).unwrap().len() < 1_000_000);
    let out = d.path().join("out");
    // Before the fix the XML was read whole (up to a fixed 64 MiB) whatever --max-size said.
    let o = analyze(&c, &out, &["--max-size", "1000000"]);
    expect_code(&o, 3);
    let errors = std::fs::read_to_string(out.join("errors.csv")).unwrap();
    assert!(
        errors.contains("bomb.docx") && errors.contains("inflates past 1000000 bytes"),
        "{errors}"
    );
}

#[test]
fn a_file_listed_twice_in_the_manifest_is_refused_naming_both_lines() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let m = c.join("manifest.csv");
    let text = std::fs::read_to_string(&m).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    // The same file again, with another year and unit (line 4); a Windows separator is the same path.
    let again = first
        .replacen('/', "\\", 1)
        .replace(",2019,", ",2020,")
        .replace("单位0", "别的单位");
    std::fs::write(&m, format!("{text}{again}\n")).unwrap();
    let out = d.path().join("out");
    let o = analyze(&c, &out, &[]);
    // Before the fix the last row won silently (exit 0, the report filed under 2020).
    expect_code(&o, 1);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("manifest.csv:4:") && e.contains("listed twice, on lines 2 and 4"),
        "{e}"
    );
    assert!(!out.exists(), "nothing is written");
}

#[test]
fn an_imported_formula_cell_without_a_stored_value_is_an_error_naming_the_cell() {
    use std::io::{Read, Write};
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 1);
    let report = std::fs::read_dir(c.join("2019"))
        .unwrap()
        .flatten()
        .map(|e| format!("2019/{}", e.file_name().to_string_lossy()))
        .next()
        .unwrap();
    // A sheet whose themes cell is a formula, as written by a program that does not compute formulas.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (col, h) in ["report", "fragment", "themes"].iter().enumerate() {
        ws.write_string(0, col as u16, *h).unwrap();
    }
    ws.write_string(1, 0, &report).unwrap();
    ws.write_string(1, 1, "党员").unwrap();
    ws.write_formula(1, 2, "=A1").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = d.path().join("filled.xlsx");
    let mut zout = zip::ZipWriter::new(std::fs::File::create(&sheet).unwrap());
    let mut stripped = false;
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut part = String::new();
        f.read_to_string(&mut part).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            let before = part.len();
            part = part.replace("<f>A1</f><v>0</v>", "<f>A1</f>");
            stripped = part.len() < before;
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zout.write_all(part.as_bytes()).unwrap();
    }
    zout.finish().unwrap();
    assert!(stripped, "the stored value was taken out");
    let labels = d.path().join("labels.jsonl");
    let o = label_import(&sheet, &labels, &c);
    expect_code(&o, 1);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("filled.xlsx:2: cell C2: formula 'A1' has no stored value"),
        "{e}"
    );
    assert!(!labels.exists(), "nothing is imported");
}

/// Runs `shuzhi ARGS` from the repository root; fails the test (and kills the child) when it has not ended
/// after `secs` seconds, instead of hanging with it.
#[cfg(unix)]
fn run_within(args: &[&std::ffi::OsStr], secs: u64) -> std::process::Output {
    let child = std::process::Command::new(bin())
        .args(args)
        .current_dir(repo())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
            panic!("`shuzhi {args:?}` still running after {secs} s");
        }
    }
}

#[cfg(unix)]
#[test]
fn a_named_pipe_given_as_a_file_argument_is_refused_at_once() {
    use std::ffi::OsStr;
    let d = tempfile::tempdir().unwrap();
    let mkfifo = |p: &Path| {
        let ok = std::process::Command::new("mkfifo")
            .arg(p)
            .status()
            .unwrap();
        assert!(ok.success());
    };
    let pipe = d.path().join("pipe.txt");
    mkfifo(&pipe);
    let sheet = d.path().join("sheet.csv");
    mkfifo(&sheet);
    // A shard folder whose run manifest is a named pipe.
    let shard = d.path().join("shard");
    std::fs::create_dir(&shard).unwrap();
    mkfifo(&shard.join("shuzhi-run.json"));
    let labels = d.path().join("labels.jsonl");
    let out = d.path().join("out");
    let p = |s: &Path| s.as_os_str().to_owned();
    let cases: Vec<Vec<std::ffi::OsString>> = vec![
        vec!["inspect".into(), p(&pipe)],
        vec!["segment".into(), p(&pipe)],
        vec![
            "label".into(),
            "import".into(),
            p(&sheet),
            "--labels".into(),
            p(&labels),
        ],
        vec!["merge".into(), p(&shard), "--out".into(), p(&out)],
        vec![
            "train".into(),
            "--labels".into(),
            p(&pipe),
            "--out".into(),
            p(&out),
        ],
        vec![
            "train".into(),
            "--themes".into(),
            p(&pipe),
            "--out".into(),
            p(&out),
        ],
    ];
    for case in cases {
        let args: Vec<&OsStr> = case.iter().map(|a| a.as_os_str()).collect();
        // Before the fix `label import`, `merge` and `train` waited for a writer forever; `inspect` and
        // `segment` already refused the pipe.
        let o = run_within(&args, 60);
        expect_code(&o, 1);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(
            e.contains("not a regular file (named pipe)"),
            "{case:?}: {e}"
        );
    }
    assert!(!out.exists() && !labels.exists(), "nothing is written");
}

#[cfg(unix)]
#[test]
fn arguments_are_checked_before_anything_is_read() {
    fn os<'a>(a: &[&'a str]) -> Vec<&'a std::ffi::OsStr> {
        a.iter().map(|s| std::ffi::OsStr::new(*s)).collect()
    }
    // (arguments, exit code, part of stderr). Before the checks: `train` spawned 100000 threads (still
    // running after 120 s), `evaluate --model` ignored --cv, `discover` took --min-score 2, and the
    // hold-out outside --years failed only after 15 s of loading.
    let cases: [(&[&str], i32, &str); 6] = [
        (
            &["train", "--threads", "100000", "--years", "20x9"],
            1,
            "--years '20x9'",
        ),
        (
            &["evaluate", "--model", "models/default", "--cv", "3"],
            2,
            "cannot be used with",
        ),
        (&["evaluate", "--cv", "1"], 2, "--cv"),
        (&["discover", "--min-score", "2"], 1, "--min-score 2"),
        (&["discover", "--k", "0"], 2, "--k"),
        (
            &["train", "--holdout", "2030", "--years", "2019-2020"],
            1,
            "outside --years",
        ),
    ];
    for (args, code, says) in cases {
        let o = run_within(&os(args), 60);
        expect_code(&o, code);
        let e = String::from_utf8_lossy(&o.stderr);
        assert!(e.contains(says), "{args:?}: {e}");
    }
    let o = run_within(
        &os(&["train", "--threads", "100000", "--years", "20x9"]),
        60,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("capped"));
}

#[test]
fn merge_refuses_to_write_over_one_of_its_shards() {
    let d = tempfile::tempdir().unwrap();
    let c = small_corpus(d.path(), 2);
    let s1 = d.path().join("s1");
    let s2 = d.path().join("s2");
    expect_code(&analyze(&c, &s1, &["--shard", "1/2"]), 0);
    expect_code(&analyze(&c, &s2, &["--shard", "2/2"]), 0);
    let before = one_complete_run(&s1);
    let o = shuzhi()
        .arg("merge")
        .arg(&s1)
        .arg(&s2)
        .arg("--out")
        .arg(&s1)
        .output()
        .unwrap();
    // Before the check the merge replaced shard 1 (exit 0).
    expect_code(&o, 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("is one of the shards"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(one_complete_run(&s1), before, "shard 1 is untouched");
}
