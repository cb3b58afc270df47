//! `shuzhi analyze`, `merge` and `train` end to end on the shipped corpus and model.

mod common;

use common::{analyze_corpus, shuzhi};
use std::collections::BTreeMap;
use std::path::Path;

fn analyze(out: &Path, extra: &[&str]) {
    analyze_corpus(out, extra).assert().success();
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const OUTPUTS: [&str; 13] = [
    "reports.jsonl",
    "mentions.jsonl",
    "theme_frequency.csv",
    "theme_trends.csv",
    "theme_by_group.csv",
    "persistent_problems.csv",
    "coverage.csv",
    "errors.csv",
    "summary.md",
    "report.html",
    "report.xlsx",
    "aggregate.json",
    "near_duplicates.csv",
];

#[test]
fn all_outputs_written_and_frequency_agrees_with_reports() {
    let dir = tempfile::tempdir().unwrap();
    analyze(dir.path(), &[]);
    for f in OUTPUTS {
        if f == "near_duplicates.csv" && !dir.path().join(f).exists() {
            continue;
        }
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    // Recompute theme × year from reports.jsonl and compare with theme_frequency.csv.
    let mut totals: BTreeMap<String, u64> = BTreeMap::new();
    let mut raised: BTreeMap<(String, String), u64> = BTreeMap::new();
    let text = String::from_utf8(read(&dir.path().join("reports.jsonl"))).unwrap();
    let mut ids = Vec::new();
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
        let year = v["year"]
            .as_i64()
            .map(|y| y.to_string())
            .unwrap_or_default();
        *totals.entry(year.clone()).or_default() += 1;
        for t in v["raised"].as_array().unwrap() {
            *raised
                .entry((t.as_str().unwrap().to_string(), year.clone()))
                .or_default() += 1;
        }
        for k in [
            "path",
            "unit",
            "unit_type",
            "measures",
            "warnings",
            "uncovered",
        ] {
            assert!(v.get(k).is_some(), "reports.jsonl lacks {k}");
        }
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "reports.jsonl sorted by id");
    assert!(ids.len() >= 100);
    let mut rdr = csv::Reader::from_path(dir.path().join("theme_frequency.csv")).unwrap();
    let headers = rdr.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "theme",
            "family",
            "name",
            "year",
            "reports",
            "reports_total",
            "share",
            "statements",
            "delta_pp"
        ]
    );
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let key = (rec[0].to_string(), rec[3].to_string());
        assert_eq!(
            rec[4].parse::<u64>().unwrap(),
            raised.get(&key).copied().unwrap_or(0),
            "{key:?}"
        );
        assert_eq!(rec[5].parse::<u64>().unwrap(), totals[&rec[3].to_string()]);
        let share: f64 = rec[6].parse().unwrap();
        let expect =
            raised.get(&key).copied().unwrap_or(0) as f64 / totals[&rec[3].to_string()] as f64;
        assert!((share - expect).abs() < 1e-4, "{key:?} {share} vs {expect}");
        rows += 1;
    }
    // One row per theme of the model's taxonomy and year, however many themes it has.
    let themes = shuzhi::themes::Taxonomy::load(&common::repo().join("models/default/themes.toml"))
        .unwrap()
        .len();
    assert_eq!(rows, themes * totals.len());
    // Every mention lies inside the decoded text's statement span and names a known theme.
    let mentions = String::from_utf8(read(&dir.path().join("mentions.jsonl"))).unwrap();
    for line in mentions.lines().take(500) {
        let m: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(m["start"].as_u64().unwrap() < m["end"].as_u64().unwrap());
        assert!(["model", "rule", "both"].contains(&m["source"].as_str().unwrap()));
        assert!(!m["text"].as_str().unwrap().is_empty());
    }
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    analyze(a.path(), &["--threads", "1"]);
    analyze(b.path(), &["--threads", "2"]);
    for f in OUTPUTS {
        let (pa, pb) = (a.path().join(f), b.path().join(f));
        if pa.exists() || pb.exists() {
            assert_eq!(read(&pa), read(&pb), "{f} differs between 1 and 2 threads");
        }
    }
}

#[test]
fn three_shards_merge_into_one_run() {
    let full = tempfile::tempdir().unwrap();
    analyze(full.path(), &[]);
    let shards: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    for (k, d) in shards.iter().enumerate() {
        analyze(d.path(), &["--shard", &format!("{}/3", k + 1)]);
    }
    let merged = tempfile::tempdir().unwrap();
    shuzhi()
        .arg("merge")
        .args(shards.iter().map(|d| d.path()))
        .args(["--model", "models/default", "--out"])
        .arg(merged.path())
        .assert()
        .success();
    for f in OUTPUTS {
        let (pa, pb) = (full.path().join(f), merged.path().join(f));
        if pa.exists() || pb.exists() {
            assert_eq!(
                read(&pa),
                read(&pb),
                "{f}: merged shards differ from one run"
            );
        }
    }
}

#[test]
fn missing_model_exits_1_with_a_clear_message() {
    let out = tempfile::tempdir().unwrap();
    let a = shuzhi()
        .args([
            "analyze",
            "corpus",
            "--quiet",
            "--model",
            "no/such/model",
            "--out",
        ])
        .arg(out.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(
        err.contains("no/such/model") && err.contains("model.json"),
        "{err}"
    );
}

#[test]
fn a_folder_without_reports_exits_1_and_says_so() {
    let empty = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let a = shuzhi()
        .args(["analyze", "--quiet", "--model", "models/default", "--out"])
        .arg(out.path())
        .arg(empty.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&a.get_output().stderr).to_string();
    assert!(err.contains("no report files"), "{err}");
}

#[test]
fn usage_error_exits_2() {
    shuzhi()
        .args(["analyze", "--threads", "many"])
        .assert()
        .code(2);
    shuzhi()
        .args(["analyze", "--shard", "4/3"])
        .assert()
        .code(2);
}

/// `shuzhi train --quiet --corpus corpus EXTRA… --out OUT`, which must succeed.
fn train_corpus(out: &Path, extra: &[&str]) {
    shuzhi()
        .args(["train", "--quiet", "--corpus", "corpus"])
        .args(extra)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn train_rebuilds_the_shipped_model_byte_for_byte() {
    let out = tempfile::tempdir().unwrap();
    train_corpus(
        out.path(),
        &["--holdout", "2025", "--gallery", "tests/gallery"],
    );
    for f in [
        "model.json",
        "MODEL.md",
        "themes.toml",
        "userdict.txt",
        "stopwords.txt",
    ] {
        let shipped = read(&Path::new("models/default").join(f));
        let rebuilt = read(&out.path().join(f));
        if f == "MODEL.md" {
            // The card names the output folder in its rebuild command; everything else must match.
            let norm = |b: Vec<u8>| {
                String::from_utf8(b)
                    .unwrap()
                    .lines()
                    .skip(3)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            assert_eq!(norm(shipped), norm(rebuilt), "MODEL.md");
        } else {
            assert_eq!(
                shipped, rebuilt,
                "{f}: `shuzhi train` no longer rebuilds models/default; retrain and commit"
            );
        }
    }
}

#[test]
fn dual_solver_trains_deterministic_models_that_analyze_uses() {
    let tmp = tempfile::tempdir().unwrap();
    let train = |out: &Path| {
        train_corpus(
            out,
            &[
                "--years",
                "2024-2025",
                "--solver",
                "dual",
                "--alpha",
                "0.0625",
                "--threshold-folds",
                "3",
            ],
        )
    };
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    train(&a);
    train(&b);
    let model = read(&a.join("model.json"));
    assert_eq!(model, read(&b.join("model.json")), "same data, same bytes");
    assert!(String::from_utf8_lossy(&model).contains("\"dual\""));
    let card = String::from_utf8(read(&a.join("MODEL.md"))).unwrap();
    assert!(card.contains("sparse dual coordinate descent"), "{card}");
    assert!(card.contains("--solver dual --alpha 0.0625"), "{card}");
    let out = tmp.path().join("out");
    shuzhi()
        .args(["analyze", "--quiet", "corpus/2025", "--model"])
        .arg(&a)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let mentions = std::fs::read_to_string(out.join("mentions.jsonl")).unwrap();
    assert!(
        mentions.lines().count() > 100,
        "{}",
        mentions.lines().count()
    );
    assert!(mentions.contains("\"source\":\"model\""));
}

/// `--near-duplicates` end to end: a report copied with a paragraph added is paired with its original (and
/// with nothing else), both records say so, every other field of every record is what a plain run writes
/// (the records are held back on disk until the pairs are known, in the output's staging folder, so no
/// temporary folder is needed), and thread count changes no byte.
#[test]
fn near_duplicates_pair_a_copied_report_and_keep_every_record() {
    let input = tempfile::tempdir().unwrap();
    let src = common::repo().join("corpus");
    let original = std::fs::read_to_string(src.join("2021/a07.txt")).unwrap();
    std::fs::write(input.path().join("copy.txt"), &original).unwrap();
    std::fs::write(
        input.path().join("edited.txt"),
        format!("{original}\n另外，本单位今年新建了两处党员活动室，配齐了学习资料。\n"),
    )
    .unwrap();
    for f in ["2019/b01.txt", "2023/a13.txt", "2025/a19.txt"] {
        let name = f.replace('/', "-");
        std::fs::copy(src.join(f), input.path().join(name)).unwrap();
    }
    // No usable temporary folder: held records and the workbook's rows wait in the output's staging folder.
    let run = |out: &Path, extra: &[&str]| {
        shuzhi()
            .env("TMPDIR", input.path().join("no-such-folder"))
            .arg("analyze")
            .arg(input.path())
            .args(["--quiet", "--out"])
            .arg(out)
            .args(extra)
            .assert()
            .success();
    };
    let (one, two, plain) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    run(one.path(), &["--near-duplicates", "--threads", "1"]);
    run(two.path(), &["--near-duplicates", "--threads", "2"]);
    run(plain.path(), &[]);
    for f in OUTPUTS {
        if f != "near_duplicates.csv" && !one.path().join(f).exists() {
            continue;
        }
        assert_eq!(
            read(&one.path().join(f)),
            read(&two.path().join(f)),
            "{f} differs between 1 and 2 threads"
        );
    }
    let mut rdr = csv::Reader::from_path(one.path().join("near_duplicates.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((&rows[0][0], &rows[0][1]), ("copy.txt", "edited.txt"));
    let similarity: f64 = rows[0][2].parse().unwrap();
    assert!(similarity > 0.8 && similarity < 1.0, "{similarity}");
    assert!(rows[0][3].chars().count() > 20, "{:?}", &rows[0][3]);

    let records = |dir: &Path| -> Vec<serde_json::Value> {
        String::from_utf8(read(&dir.join("reports.jsonl")))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let (with, without) = (records(one.path()), records(plain.path()));
    assert_eq!(with.len(), 5);
    assert_eq!(with.len(), without.len());
    for (mut w, p) in with.into_iter().zip(without) {
        let id = w["id"].as_str().unwrap().to_string();
        let warnings: Vec<String> = w["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let paired: Vec<&String> = warnings
            .iter()
            .filter(|s| s.starts_with("near-duplicate of "))
            .collect();
        match id.as_str() {
            "copy.txt" => assert_eq!(paired.len(), 1, "{paired:?}"),
            "edited.txt" => assert!(
                paired[0].starts_with("near-duplicate of copy.txt ("),
                "{paired:?}"
            ),
            _ => assert!(paired.is_empty(), "{id}: {paired:?}"),
        }
        let rest: Vec<serde_json::Value> = warnings
            .iter()
            .filter(|s| !s.starts_with("near-duplicate of "))
            .map(|s| serde_json::json!(s))
            .collect();
        w["warnings"] = serde_json::Value::Array(rest);
        assert_eq!(
            w, p,
            "{id}: the record differs from a plain run's beyond its warnings"
        );
    }
}
