//! `shuzhi corpus stats`: what a corpus holds, and whether its labels and taxonomy are valid.

use super::common::ResourceArgs;
use anyhow::{bail, Result};
use serde::Serialize;
use shuzhi::classify::dataset;
use shuzhi::corpus::Corpus;
use shuzhi::structure::Role;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Corpus tools.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand)]
enum Sub {
    /// Reports per year, unit type and region; labelled statements per theme and role; validates labels.jsonl
    /// and themes.toml (errors name their line).
    #[command(
        after_help = "Examples:\n  shuzhi corpus stats\n  shuzhi corpus stats --corpus my_corpus --json"
    )]
    Stats(StatsArgs),
}

#[derive(clap::Args)]
struct StatsArgs {
    /// The corpus folder.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Labels file; default: labels.jsonl in the corpus folder.
    #[arg(long)]
    labels: Option<PathBuf>,
    #[command(flatten)]
    resources: ResourceArgs,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize, Default)]
struct Stats {
    reports: usize,
    skipped: Vec<String>,
    by_year: BTreeMap<String, usize>,
    by_unit_type: BTreeMap<String, usize>,
    by_region: BTreeMap<String, usize>,
    labelled_statements: usize,
    /// theme → role → statements
    by_theme: BTreeMap<String, BTreeMap<String, usize>>,
    no_theme: BTreeMap<String, usize>,
    label_warnings: Vec<String>,
    /// Problem/cause/measure statements without a label.
    unlabelled: usize,
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Sub::Stats(a) => stats(a),
    }
}

fn stats(a: StatsArgs) -> Result<ExitCode> {
    let res = a.resources.load()?;
    let corpus = Corpus::load(&a.corpus, &res.segmenter, None, &Default::default())?;
    let mut s = Stats {
        reports: corpus.reports.len(),
        skipped: corpus.skipped.iter().map(|k| k.to_string()).collect(),
        ..Default::default()
    };
    let key = |o: Option<String>| o.unwrap_or_else(|| "(unknown)".into());
    for p in &corpus.reports {
        *s.by_year
            .entry(key(p.meta.year.map(|y| y.to_string())))
            .or_default() += 1;
        *s.by_unit_type
            .entry(key(p.meta.unit_type.clone()))
            .or_default() += 1;
        *s.by_region
            .entry(key(p.meta.groups.get("region").cloned()))
            .or_default() += 1;
    }
    let labels_path = a.labels.unwrap_or_else(|| a.corpus.join("labels.jsonl"));
    let labels = shuzhi::labels::load(&labels_path, &res.taxonomy)?;
    let ds = dataset::build(&corpus, &labels_path, &labels, &res.taxonomy)?;
    s.labelled_statements = ds.examples.len();
    s.label_warnings = ds.warnings.clone();
    let labelled: std::collections::HashSet<(&str, usize)> = ds
        .examples
        .iter()
        .map(|e| (e.report.as_str(), e.statement))
        .collect();
    for p in &corpus.reports {
        for (i, st, _) in p.statements() {
            if matches!(st.role, Role::Problem | Role::Cause | Role::Measure)
                && !labelled.contains(&(p.doc.id.as_str(), i))
            {
                s.unlabelled += 1;
            }
        }
    }
    for t in &res.taxonomy.themes {
        s.by_theme.insert(t.id.clone(), BTreeMap::new());
    }
    for e in &ds.examples {
        if e.gold.is_empty() {
            *s.no_theme.entry(e.role.to_string()).or_default() += 1;
        }
        for &t in &e.gold {
            *s.by_theme
                .entry(res.taxonomy.themes[t].id.clone())
                .or_default()
                .entry(e.role.to_string())
                .or_default() += 1;
        }
    }
    if a.json {
        outln!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        print_tables(&s, &res.taxonomy);
    }
    if !s.skipped.is_empty() {
        bail!(
            "{} file(s) in the corpus could not be read",
            s.skipped.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn print_tables(s: &Stats, tax: &shuzhi::themes::Taxonomy) {
    outln!(
        "reports: {}   labelled statements: {}   unlabelled problem/cause/measure statements: {}",
        s.reports,
        s.labelled_statements,
        s.unlabelled
    );
    for (title, map) in [
        ("year", &s.by_year),
        ("unit type", &s.by_unit_type),
        ("region", &s.by_region),
    ] {
        outln!("\nreports by {title}:");
        for (k, v) in map {
            outln!("  {k:<12} {v:>5}");
        }
    }
    outln!("\nlabelled statements by theme and role:");
    outln!(
        "  {:<28} {:>8} {:>6} {:>8} {:>14}",
        "theme",
        "problem",
        "cause",
        "measure",
        "problem+cause"
    );
    for t in &tax.themes {
        let m = &s.by_theme[&t.id];
        let g = |r: &str| m.get(r).copied().unwrap_or(0);
        outln!(
            "  {:<28} {:>8} {:>6} {:>8} {:>14}",
            t.id,
            g("problem"),
            g("cause"),
            g("measure"),
            g("problem") + g("cause")
        );
    }
    let g = |r: &str| s.no_theme.get(r).copied().unwrap_or(0);
    outln!(
        "  {:<28} {:>8} {:>6} {:>8}",
        "(no theme)",
        g("problem"),
        g("cause"),
        g("measure")
    );
    for w in &s.label_warnings {
        outln!("warning: {w}");
    }
    outln!("\nlabels and taxonomy: valid");
}
