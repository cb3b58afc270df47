//! Makes a large synthetic corpus for throughput measurements, and measures raw jieba-rs speed on a corpus.
//!
//! ```text
//! cargo run --release --example make_scale_corpus -- --out DIR --n 20000 --seed 7 [--bytes TARGET] [--labels]
//!     [--name-pool P]
//! cargo run --release --example make_scale_corpus -- --cut-only DIR --threads N [--rounds 3]
//! ```
//!
//! Generation: every shipped report (`corpus/*/*.txt`) is split into sections and statements by the library's
//! own structure analysis. A new report takes a random shipped report as its skeleton (title, headings, cue
//! sentences and lead-ins stay where they are) and replaces each statement with a statement of the same role
//! drawn from any shipped report, keeping the skeleton's list marker. The unit name is replaced by a made-up
//! one, every number by another of the same number of digits, years are moved to the report's year
//! (folders 2019–2025). The same seed gives the same files. The text is realistic in shape and vocabulary,
//! not in content: it is meant for throughput and memory figures only, never for accuracy.
//!
//! `--bytes TARGET` keeps generating until the corpus holds at least TARGET bytes (`--n` is then ignored);
//! suffixes k, M, G are accepted. `--labels` also writes `DIR/labels.jsonl`: each shipped label whose
//! fragment lies in a statement that was copied is carried over (with the same number and name
//! substitutions), and kept only if the generated report's structure puts the fragment in exactly one
//! statement — so `shuzhi train --corpus DIR` accepts it.
//!
//! `--name-pool P` draws unit names from P made-up name stems (each combined with the kind of unit of the
//! skeleton, so at most P × the shipped units' kinds distinct units), as a real corpus has the same units
//! year after year; without it every report gets a fresh name, and the number of distinct units (each a row
//! of the persistence table) grows with the corpus.
//!
//! `--cut-only DIR --threads N` reads every `.txt` under DIR into memory, then times jieba-rs `cut` (HMM on,
//! with the shipped user dictionary of `models/default`) over all texts on N threads, `--rounds` times, and
//! prints the median MB/s: the limit for the analyze pipeline, which segments every statement with it.

use rayon::prelude::*;
use shuzhi::ingest::decode;
use shuzhi::segment::Segmenter;
use shuzhi::structure::{self, markers, Role};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The crate's seeded generator chooses donors and digits.
use shuzhi::rng::SplitMix as Rng;

struct Stmt {
    role: Role,
    /// Byte span in its report's text.
    span: (usize, usize),
    /// Text without its list marker.
    body: String,
    /// The list marker it had ("（一）", "一是", …), or "".
    marker: String,
    /// Index of the source report.
    report: usize,
}

struct Report {
    rel: String,
    text: String,
    year: i32,
    unit: Option<String>,
    unit_type: Option<String>,
    region: Option<String>,
    /// Indices into the global statement list.
    stmts: Vec<usize>,
}

struct Label {
    text: String,
    themes: Vec<String>,
}

fn char_to_byte(text: &str) -> Vec<usize> {
    let mut v: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    v.push(text.len());
    v
}

fn split_marker(t: &str) -> (String, String) {
    match markers::at_start(t) {
        Some(m) => (t[..m.len].to_string(), t[m.len..].to_string()),
        None => (String::new(), t.to_string()),
    }
}

fn load_corpus(root: &Path) -> (Vec<Report>, Vec<Stmt>) {
    let manifest = std::fs::read_to_string(root.join("manifest.csv")).unwrap_or_default();
    let mut rows: HashMap<String, Vec<String>> = HashMap::new();
    let mut rdr = csv::Reader::from_reader(manifest.as_bytes());
    let headers: Vec<String> = rdr
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let col = |n: &str| headers.iter().position(|h| h == n);
    for rec in rdr.records().flatten() {
        let v: Vec<String> = rec.iter().map(str::to_string).collect();
        rows.insert(v[0].clone(), v);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    for year in std::fs::read_dir(root).expect("corpus folder").flatten() {
        if year.path().is_dir() {
            for f in std::fs::read_dir(year.path()).unwrap().flatten() {
                if f.path().extension().is_some_and(|e| e == "txt") {
                    files.push(f.path());
                }
            }
        }
    }
    files.sort();
    let mut reports = Vec::new();
    let mut stmts = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let Ok(d) = decode::decode(&bytes) else {
            continue;
        };
        let rel = f
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let row = rows.get(&rel);
        let get = |c: Option<usize>| {
            c.and_then(|c| row.and_then(|r| r.get(c)))
                .filter(|s| !s.is_empty())
                .cloned()
        };
        let year = get(col("year"))
            .and_then(|y| y.parse().ok())
            .or_else(|| rel[..4].parse().ok())
            .unwrap_or(2021);
        let st = structure::build(&d.text);
        let c2b = char_to_byte(&d.text);
        let mut ids = Vec::new();
        for s in st.statements() {
            let (marker, body) = split_marker(&s.text);
            ids.push(stmts.len());
            stmts.push(Stmt {
                role: s.role,
                span: (c2b[s.start], c2b[s.end]),
                body,
                marker,
                report: reports.len(),
            });
        }
        reports.push(Report {
            rel,
            text: d.text,
            year,
            unit: get(col("unit")),
            unit_type: get(col("unit_type")),
            region: get(col("region")),
            stmts: ids,
        });
    }
    (reports, stmts)
}

fn load_labels(root: &Path) -> HashMap<String, Vec<Label>> {
    let mut out: HashMap<String, Vec<Label>> = HashMap::new();
    let Ok(text) = std::fs::read_to_string(root.join("labels.jsonl")) else {
        return out;
    };
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let (Some(r), Some(t), Some(th)) = (
            v["report"].as_str(),
            v["text"].as_str(),
            v["themes"].as_array(),
        ) else {
            continue;
        };
        out.entry(r.to_string()).or_default().push(Label {
            text: t.to_string(),
            themes: th
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
        });
    }
    out
}

const NAME_CHARS: &str = "枫松白青石云临溪桃李柳杨梅竹兰泉河湖山岭川平安和丰华兴隆盛新东西南北金银玉龙凤鹤鸣清源永宁长乐福康寿春秋禾田";
const REGIONS: [&str; 8] = [
    "临溪县",
    "云岭县",
    "青川区",
    "白石县",
    "东湖区",
    "兴平市",
    "长乐县",
    "南山区",
];

/// Substitutes names and numbers of one generated report (consistently, so label fragments follow).
struct Subst {
    from_unit: Option<String>,
    to_unit: String,
    year_shift: i32,
    /// Years never go past the year after the report's.
    max_year: i32,
    numbers: HashMap<String, String>,
}

impl Subst {
    fn apply(&mut self, text: &str, rng: &mut Rng) -> String {
        let named;
        let text = match &self.from_unit {
            Some(u) if u.chars().count() >= 2 => {
                named = text.replace(u.as_str(), &self.to_unit);
                named.as_str()
            }
            _ => text,
        };
        let mut out = String::with_capacity(text.len() + 16);
        let mut digits = String::new();
        let flush = |digits: &mut String, out: &mut String, rng: &mut Rng, s: &mut Subst| {
            if digits.is_empty() {
                return;
            }
            let new = s
                .numbers
                .entry(digits.clone())
                .or_insert_with(|| {
                    if let Ok(y @ 2000..=2030) = digits.parse::<i32>() {
                        if digits.len() == 4 {
                            return (y + s.year_shift).clamp(2015, s.max_year).to_string();
                        }
                    }
                    let mut n = String::new();
                    for i in 0..digits.len() {
                        let d = if i == 0 && digits.len() > 1 {
                            1 + rng.below(9)
                        } else {
                            rng.below(10)
                        };
                        n.push(char::from(b'0' + d as u8));
                    }
                    n
                })
                .clone();
            out.push_str(&new);
            digits.clear();
        };
        for c in text.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
            } else {
                flush(&mut digits, &mut out, rng, self);
                out.push(c);
            }
        }
        flush(&mut digits, &mut out, rng, self);
        out
    }
}

fn new_unit(old: Option<&str>, rng: &mut Rng, pool: &[String]) -> String {
    let name = if pool.is_empty() {
        new_prefix(rng)
    } else {
        pool[rng.below(pool.len())].clone()
    };
    match old {
        Some(u) => {
            let n = u.chars().count();
            // Keep the kind of unit: 「枫林镇」→「XY镇」, 「…城市建设投资集团有限公司」→「XY城市建设…」.
            let keep: String = u.chars().skip(if n <= 4 { n - 1 } else { 2 }).collect();
            name + &keep
        }
        None => name + "镇",
    }
}

/// Two made-up characters that start a unit name.
fn new_prefix(rng: &mut Rng) -> String {
    let chars: Vec<char> = NAME_CHARS.chars().collect();
    let mut name = String::new();
    name.push(chars[rng.below(chars.len())]);
    name.push(chars[rng.below(chars.len())]);
    name
}

fn parse_bytes(s: &str) -> u64 {
    let s = s.trim();
    let (num, mult) = match s.chars().last() {
        Some('k' | 'K') => (&s[..s.len() - 1], 1_000),
        Some('m' | 'M') => (&s[..s.len() - 1], 1_000_000),
        Some('g' | 'G') => (&s[..s.len() - 1], 1_000_000_000),
        _ => (s, 1),
    };
    (num.parse::<f64>()
        .expect("--bytes: a number, optionally with k, M or G")
        * mult as f64) as u64
}

fn generate(
    out: &Path,
    n: usize,
    seed: u64,
    target: Option<u64>,
    with_labels: bool,
    name_pool: usize,
) {
    let root = Path::new("corpus");
    let (reports, stmts) = load_corpus(root);
    assert!(!reports.is_empty(), "no reports under corpus/");
    let labels = if with_labels {
        load_labels(root)
    } else {
        HashMap::new()
    };
    let mut by_role: BTreeMap<Role, Vec<usize>> = BTreeMap::new();
    for (i, s) in stmts.iter().enumerate() {
        by_role.entry(s.role).or_default().push(i);
    }
    let mut rng = Rng(seed ^ 0x5EED_0000_0000_0000);
    let mut pool_rng = Rng(seed ^ 0x0000_0000_9001_0000);
    let pool: Vec<String> = (0..name_pool).map(|_| new_prefix(&mut pool_rng)).collect();
    std::fs::create_dir_all(out).expect("create --out");
    let mut manifest = String::from("path,year,unit,unit_type,region\n");
    let mut label_lines = String::new();
    let (mut total, mut labelled, mut label_drop) = (0u64, 0usize, 0usize);
    let mut i = 0usize;
    loop {
        match target {
            Some(t) if total >= t => break,
            None if i >= n => break,
            _ => {}
        }
        let skel = &reports[rng.below(reports.len())];
        let year = 2019 + rng.below(7) as i32;
        let mut subst = Subst {
            from_unit: skel.unit.clone(),
            to_unit: new_unit(skel.unit.as_deref(), &mut rng, &pool),
            year_shift: year - skel.year,
            max_year: year + 1,
            numbers: HashMap::new(),
        };
        // Rebuild the skeleton with donor statements of the same role.
        let mut text = String::with_capacity(skel.text.len() + 256);
        let mut pos = 0;
        let mut carried: Vec<(String, Vec<String>)> = Vec::new();
        let mut used: Vec<usize> = Vec::new();
        for &si in &skel.stmts {
            let s = &stmts[si];
            if s.role == Role::Other {
                // Opening and closing paragraphs stay the skeleton's own.
                continue;
            }
            let pool = &by_role[&s.role];
            let mut donor = pool[rng.below(pool.len())];
            for _ in 0..4 {
                if !used.contains(&donor) {
                    break;
                }
                donor = pool[rng.below(pool.len())];
            }
            used.push(donor);
            let d = &stmts[donor];
            text.push_str(&skel.text[pos..s.span.0]);
            let body = subst.apply(&d.body, &mut rng);
            text.push_str(&s.marker);
            text.push_str(&body);
            pos = s.span.1;
            if with_labels {
                let src = &reports[d.report];
                let orig = &src.text[d.span.0..d.span.1];
                for l in labels.get(&src.rel).into_iter().flatten() {
                    if orig.contains(&l.text) {
                        carried.push((subst.apply(&l.text, &mut rng), l.themes.clone()));
                    }
                }
            }
        }
        text.push_str(&skel.text[pos..]);
        // Headings, title and lead-ins: names and years follow the new report.
        let text = subst.apply(&text, &mut rng);
        let rel = format!("{year}/r{i:06}.txt");
        let path = out.join(&rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text.as_bytes()).unwrap();
        total += text.len() as u64;
        let region = skel
            .region
            .clone()
            .unwrap_or_else(|| REGIONS[rng.below(REGIONS.len())].to_string());
        let _ = writeln!(
            manifest,
            "{rel},{year},{},{},{region}",
            subst.to_unit,
            skel.unit_type.clone().unwrap_or_default()
        );
        if with_labels && !carried.is_empty() {
            let st = structure::build(&decode::normalize(&text));
            for (frag, themes) in carried {
                if st.statements().filter(|s| s.text.contains(&frag)).count() == 1 {
                    let line = serde_json::json!({"report": rel, "text": frag, "themes": themes});
                    label_lines.push_str(&line.to_string());
                    label_lines.push('\n');
                    labelled += 1;
                } else {
                    label_drop += 1;
                }
            }
        }
        i += 1;
    }
    std::fs::write(out.join("manifest.csv"), manifest).unwrap();
    if with_labels {
        std::fs::write(out.join("labels.jsonl"), label_lines).unwrap();
    }
    eprintln!(
        "{} reports, {:.1} MB, from {} shipped reports ({} statements){}",
        i,
        total as f64 / 1e6,
        reports.len(),
        stmts.len(),
        if with_labels {
            format!("; {labelled} labels carried over ({label_drop} dropped: fragment not in exactly one statement)")
        } else {
            String::new()
        }
    );
}

fn read_all(dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("--cut-only folder")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            read_all(&p, out);
        } else if p.extension().is_some_and(|e| e == "txt") {
            let bytes = std::fs::read(&p).unwrap();
            if let Ok(d) = decode::decode(&bytes) {
                out.push(d.text);
            }
        }
    }
}

fn cut_only(dir: &Path, threads: usize, rounds: usize) {
    let mut texts = Vec::new();
    read_all(dir, &mut texts);
    let bytes: usize = texts.iter().map(String::len).sum();
    let seg = Segmenter::from_files(
        Path::new("models/default/userdict.txt"),
        Path::new("models/default/stopwords.txt"),
    )
    .unwrap_or_else(|_| Segmenter::builtin());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let mut rates = Vec::new();
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let words: usize = pool.install(|| texts.par_iter().map(|s| seg.cut(s).len()).sum());
        let secs = t.elapsed().as_secs_f64();
        rates.push(bytes as f64 / 1e6 / secs);
        std::hint::black_box(words);
    }
    rates.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "jieba-rs cut: {} texts, {:.1} MB, {} thread(s), rounds {:?} MB/s, median {:.2} MB/s",
        texts.len(),
        bytes as f64 / 1e6,
        threads,
        rates
            .iter()
            .map(|r| (r * 100.0).round() / 100.0)
            .collect::<Vec<_>>(),
        median
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(dir) = get("--cut-only") {
        let threads = get("--threads").map_or(1, |t| t.parse().expect("--threads N"));
        let rounds = get("--rounds").map_or(3, |t| t.parse().expect("--rounds N"));
        cut_only(Path::new(&dir), threads, rounds);
        return;
    }
    let Some(out) = get("--out") else {
        eprintln!("usage: make_scale_corpus --out DIR [--n 20000] [--seed 7] [--bytes TARGET] [--labels] [--name-pool P]\n       make_scale_corpus --cut-only DIR [--threads N] [--rounds 3]");
        std::process::exit(2);
    };
    let n = get("--n").map_or(20_000, |v| v.parse().expect("--n N"));
    let seed = get("--seed").map_or(7, |v| v.parse().expect("--seed N"));
    let target = get("--bytes").map(|b| parse_bytes(&b));
    let labels = args.iter().any(|a| a == "--labels");
    let pool = get("--name-pool").map_or(0, |v| v.parse().expect("--name-pool N"));
    generate(Path::new(&out), n, seed, target, labels, pool);
}
