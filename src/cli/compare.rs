//! `shuzhi compare`: two models side by side on one year's labels, and how the labels themselves moved
//! between years.

use super::common::{load_examples, ResourceArgs};
use anyhow::{bail, Context, Result};
use shuzhi::atomic::write_atomic;
use shuzhi::classify::evaluate;
use shuzhi::classify::Engine;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Compare two models on one year's labels, and the label distribution across years.
#[derive(clap::Args)]
#[command(
    after_help = "Prints per-theme F1 of both models on the labelled problem and cause statements of the \
test year (default: the latest labelled year), the share of labelled problem and cause statements carrying each \
theme per year, and the themes whose share moved most (test year against the years before).\n\nExamples:\n  \
shuzhi compare --old models/2024 --new models/default\n  shuzhi compare --old models/2024 --new models/2025 \
--test-year 2025 --out compare.md"
)]
pub struct Args {
    /// The model before.
    #[arg(long)]
    old: PathBuf,
    /// The model after.
    #[arg(long)]
    new: PathBuf,
    /// Year whose labels both models are scored on (default: the latest labelled year).
    #[arg(long)]
    test_year: Option<i32>,
    /// The corpus folder.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Labels file; default: labels.jsonl in the corpus folder.
    #[arg(long)]
    labels: Option<PathBuf>,
    /// Also write the comparison as markdown to this file.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Themes listed as movers.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

pub fn run(args: Args) -> Result<ExitCode> {
    let load = |p: &PathBuf| {
        Engine::from_model_dir(p).with_context(|| format!("loading the model from {}", p.display()))
    };
    let (old, _) = load(&args.old)?;
    let (new, _) = load(&args.new)?;
    let ids: Vec<String> = new.taxonomy.ids();
    let old_ids: Vec<String> = old.taxonomy.ids();
    if ids != old_ids {
        bail!("the two models have different taxonomies; retrain the old one with the current themes.toml");
    }
    // Labels are checked against the new model's taxonomy and segmented with its dictionary.
    let dir = &args.new;
    let res = ResourceArgs {
        themes: dir.join("themes.toml"),
        dict: dir.join("userdict.txt"),
        stopwords: dir.join("stopwords.txt"),
    }
    .load()?;
    let (examples, _, _, _) = load_examples(&args.corpus, &args.labels, &None, &res)?;
    let year = match args.test_year {
        Some(y) => y,
        None => examples
            .iter()
            .filter_map(|e| e.year)
            .max()
            .context("no labelled statement has a year")?,
    };
    let test: Vec<_> = examples
        .iter()
        .filter(|e| e.year == Some(year))
        .cloned()
        .collect();
    if test.is_empty() {
        bail!("no labelled statements of {year}");
    }
    let n = ids.len();
    let so = evaluate::fixed(old.model.as_ref().expect("model"), &test, n).statements;
    let sn = evaluate::fixed(new.model.as_ref().expect("model"), &test, n).statements;

    // Label distribution: share of labelled problem/cause statements per theme and year.
    let mut totals: BTreeMap<i32, usize> = BTreeMap::new();
    let mut counts: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for e in examples.iter().filter(|e| e.role.raises()) {
        let Some(y) = e.year else { continue };
        *totals.entry(y).or_default() += 1;
        let c = counts.entry(y).or_insert_with(|| vec![0; n]);
        for &t in &e.gold {
            c[t] += 1;
        }
    }
    let share = |y: &i32, t: usize| counts[y][t] as f64 / totals[y].max(1) as f64;
    let before: Vec<i32> = totals.keys().copied().filter(|y| *y < year).collect();
    let before_total: usize = before.iter().map(|y| totals[y]).sum();
    let mut moves: Vec<(f64, usize, f64, f64)> = (0..n)
        .map(|t| {
            let prev = if before_total > 0 {
                before.iter().map(|y| counts[y][t]).sum::<usize>() as f64 / before_total as f64
            } else {
                0.0
            };
            let now = if totals.contains_key(&year) {
                share(&year, t)
            } else {
                0.0
            };
            (now - prev, t, prev, now)
        })
        .collect();
    moves.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()).then_with(|| a.1.cmp(&b.1)));

    let mut md = String::new();
    let _ = writeln!(md, "# Model comparison on {year} labels\n");
    let _ = writeln!(
        md,
        "old: `{}`, new: `{}`; {} labelled problem and cause statements of {year}.\n",
        args.old.display(),
        args.new.display(),
        so.items
    );
    let _ = writeln!(
        md,
        "| theme | support | F1 old | F1 new | change |\n|---|---:|---:|---:|---:|"
    );
    for (t, id) in ids.iter().enumerate() {
        let (a, b) = (&so.per_theme[t], &sn.per_theme[t]);
        let _ = writeln!(
            md,
            "| {} | {} | {:.3} | {:.3} | {:+.3} |",
            id,
            b.support,
            a.f1,
            b.f1,
            b.f1 - a.f1
        );
    }
    for (name, a, b) in [
        ("micro", &so.micro, &sn.micro),
        ("macro", &so.macro_avg, &sn.macro_avg),
    ] {
        let _ = writeln!(
            md,
            "| **{name}** | {} | {:.3} | {:.3} | {:+.3} |",
            b.support,
            a.f1,
            b.f1,
            b.f1 - a.f1
        );
    }
    let _ = writeln!(md, "\n## Label distribution by year\n");
    let _ = writeln!(
        md,
        "Share of labelled problem and cause statements that carry each theme.\n"
    );
    let years: Vec<i32> = totals.keys().copied().collect();
    let _ = writeln!(
        md,
        "| theme | {} |\n|---|{}",
        years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(" | "),
        "---:|".repeat(years.len())
    );
    let _ = writeln!(
        md,
        "| *statements* | {} |",
        years
            .iter()
            .map(|y| totals[y].to_string())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for (t, id) in ids.iter().enumerate() {
        let _ = writeln!(
            md,
            "| {} | {} |",
            id,
            years
                .iter()
                .map(|y| format!("{:.1}%", 100.0 * share(y, t)))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    let _ = writeln!(
        md,
        "\n## Themes that moved most ({year} against earlier years)\n"
    );
    let _ = writeln!(
        md,
        "| theme | before | {year} | change (points) |\n|---|---:|---:|---:|"
    );
    for (d, t, prev, now) in moves.iter().take(args.top) {
        let _ = writeln!(
            md,
            "| {} | {:.1}% | {:.1}% | {:+.1} |",
            ids[*t],
            100.0 * prev,
            100.0 * now,
            100.0 * d
        );
    }

    // Terminal.
    outln!(
        "F1 on {year} labels ({} problem and cause statements)",
        so.items
    );
    outln!(
        "  {:<28} {:>7} {:>7} {:>7} {:>8}",
        "theme",
        "old",
        "new",
        "change",
        "support"
    );
    for (t, id) in ids.iter().enumerate() {
        let (a, b) = (&so.per_theme[t], &sn.per_theme[t]);
        outln!(
            "  {:<28} {:>7.3} {:>7.3} {:>+7.3} {:>8}",
            id,
            a.f1,
            b.f1,
            b.f1 - a.f1,
            b.support
        );
    }
    for (name, a, b) in [
        ("micro", &so.micro, &sn.micro),
        ("macro", &so.macro_avg, &sn.macro_avg),
    ] {
        outln!(
            "  {:<28} {:>7.3} {:>7.3} {:>+7.3} {:>8}",
            name,
            a.f1,
            b.f1,
            b.f1 - a.f1,
            b.support
        );
    }
    outln!(
        "\nThemes whose share of labelled problem/cause statements moved most ({year} vs before):"
    );
    for (d, t, prev, now) in moves.iter().take(args.top) {
        outln!(
            "  {:<28} {:>6.1}% → {:>6.1}%  ({:+.1} points)",
            ids[*t],
            100.0 * prev,
            100.0 * now,
            100.0 * d
        );
    }
    if let Some(out) = &args.out {
        write_atomic(out, md.as_bytes())?;
        errln!("comparison written to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
