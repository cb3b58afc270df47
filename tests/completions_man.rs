//! Shell completions and manual pages, generated from the same clap definitions as `--help`: every command
//! `--help` lists is completed and has a page, and the outputs are valid for their shell and for groff.

mod common;

use common::shuzhi;
use std::process::Command;

/// The command names `shuzhi --help` lists (without `help`).
fn commands() -> Vec<String> {
    let out = shuzhi().arg("--help").output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(String::from)
        .collect();
    assert!(names.len() >= 10, "commands in --help: {names:?}");
    names
}

fn completion(shell: &str) -> String {
    let out = shuzhi().args(["completions", shell]).output().unwrap();
    assert!(out.status.success(), "completions {shell}");
    String::from_utf8(out.stdout).unwrap()
}

fn on_path(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok()
}

#[test]
fn completions_cover_every_command_and_parse_in_their_shell() {
    let names = commands();
    let bash = completion("bash");
    assert!(bash.contains("complete -F _shuzhi"));
    for n in &names {
        assert!(
            bash.contains(&format!("shuzhi__subcmd__{n}")),
            "bash: no {n}"
        );
    }
    assert!(bash.contains("--near-duplicates") && bash.contains("--model"));
    if on_path("bash") {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("shuzhi.bash");
        std::fs::write(&f, &bash).unwrap();
        let st = Command::new("bash").arg("-n").arg(&f).status().unwrap();
        assert!(st.success(), "bash -n rejects the completion script");
    }
    let zsh = completion("zsh");
    assert!(zsh.starts_with("#compdef shuzhi"));
    let fish = completion("fish");
    for n in &names {
        assert!(fish.contains(&format!("-a \"{n}\"")), "fish: no {n}");
    }
    for shell in ["elvish", "powershell"] {
        assert!(completion(shell).contains("shuzhi"), "{shell}");
    }
    let out = shuzhi().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}

#[test]
fn man_pages_for_shuzhi_and_every_command() {
    let out = shuzhi().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(
        page.contains(".TH shuzhi 1"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"));
    let names = commands();
    for n in &names {
        assert!(
            page.contains(&format!("shuzhi\\-{n}(1)")),
            "shuzhi.1 does not list {n}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let man = dir.path().join("man");
    shuzhi()
        .arg("man")
        .arg("--out")
        .arg(&man)
        .assert()
        .success();
    let mut pages = vec!["shuzhi.1".to_string()];
    pages.extend(names.iter().map(|n| format!("shuzhi-{n}.1")));
    for p in &pages {
        let f = man.join(p);
        assert!(f.is_file(), "no {p}");
        // groff (with preconv for the Chinese text) reads each page without a warning.
        if on_path("groff") {
            let out = Command::new("groff")
                .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
                .arg(&f)
                .output()
                .unwrap();
            assert!(
                out.status.success() && out.stderr.is_empty(),
                "{p}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    let analyze = std::fs::read_to_string(man.join("shuzhi-analyze.1")).unwrap();
    assert!(
        analyze.contains("near\\-duplicates"),
        "option pages come from clap"
    );
}
