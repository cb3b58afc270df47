//! `shuzhi model`: which model the commands use, where it came from and what it was trained on.

use super::common::load_model;
use anyhow::{Context, Result};
use serde::Serialize;
use shuzhi::classify::builtin;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Describe a model: the built-in one (what `analyze` uses without --model) or a model folder.
#[derive(clap::Args)]
#[command(
    after_help = "The built-in model is a copy of models/default compiled into shuzhi; it is verified (format, \
checksum, taxonomy and dictionary hashes) each time it is loaded. After `shuzhi train --out models/default`, \
rebuild shuzhi (`cargo build --release` or `cargo install --path .`) to build the new model in; until then \
pass --model models/default.\n\nExamples:\n  shuzhi model\n  shuzhi model --model models/2026\n  shuzhi model --card      # the model card (MODEL.md)\n  shuzhi model --json"
)]
pub struct Args {
    /// Model folder [default: the built-in model].
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    /// Print the model card (MODEL.md) instead.
    #[arg(long, conflicts_with = "json")]
    card: bool,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Description<'a> {
    /// "default" for the built-in model, else the folder's name.
    name: String,
    /// "built in (copied from models/default when this shuzhi was built)" or the folder.
    source: String,
    checksum: &'a str,
    format: u32,
    trained_by: &'a str,
    themes: Vec<Theme<'a>>,
    training: Training<'a>,
    taxonomy_sha256: &'a str,
    dictionary_sha256: &'a str,
}

#[derive(Serialize)]
struct Theme<'a> {
    id: &'a str,
    family: &'a str,
    name: &'a str,
    positives: usize,
}

#[derive(Serialize)]
struct Training<'a> {
    reports: usize,
    statements: usize,
    years: &'a [i32],
    labels_sha256: &'a str,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.card {
        let card = match &args.model {
            None => builtin::CARD.to_string(),
            Some(d) => {
                let p = d.join("MODEL.md");
                shuzhi::regular_file::read_to_string(&p)
                    .with_context(|| format!("reading {}", p.display()))?
            }
        };
        super::say::out(format_args!("{card}"));
        return Ok(ExitCode::SUCCESS);
    }
    let (engine, m) = load_model(args.model.as_deref())?;
    let (name, source) = match &args.model {
        None => (
            "default".to_string(),
            format!(
                "built in (copied from {} when this shuzhi was built)",
                builtin::SOURCE_DIR
            ),
        ),
        Some(d) => (
            d.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| d.display().to_string()),
            d.display().to_string(),
        ),
    };
    let b = &m.body;
    let zero = 0;
    let positives: &BTreeMap<String, usize> = &b.training.positives;
    let d = Description {
        name,
        source,
        checksum: &m.checksum,
        format: b.format,
        trained_by: &b.shuzhi_version,
        themes: engine
            .taxonomy
            .themes
            .iter()
            .map(|t| Theme {
                id: &t.id,
                family: t.family.as_str(),
                name: &t.name,
                positives: *positives.get(&t.id).unwrap_or(&zero),
            })
            .collect(),
        training: Training {
            reports: b.training.reports,
            statements: b.training.statements,
            years: &b.training.years,
            labels_sha256: &b.training.labels_hash,
        },
        taxonomy_sha256: &b.taxonomy_hash,
        dictionary_sha256: &b.dict_hash,
    };
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&d)?);
        return Ok(ExitCode::SUCCESS);
    }
    let years = match (d.training.years.first(), d.training.years.last()) {
        (Some(a), Some(b)) if a != b => format!("years {a}–{b}"),
        (Some(a), _) => format!("year {a}"),
        _ => "no years".into(),
    };
    outln!("model      {}", d.name);
    outln!("source     {}", d.source);
    outln!("checksum   {}", d.checksum);
    outln!(
        "format     {} (trained by shuzhi {})",
        d.format,
        d.trained_by
    );
    outln!(
        "training   {} labelled statements from {} reports, {years}; labels sha256 {}",
        d.training.statements,
        d.training.reports,
        d.training.labels_sha256
    );
    outln!("taxonomy   sha256 {}", d.taxonomy_sha256);
    outln!("dictionary sha256 {}", d.dictionary_sha256);
    outln!("themes     {}", d.themes.len());
    for t in &d.themes {
        outln!(
            "  {:<28} {:<7} {:>5} positives  {}",
            t.id,
            t.family,
            t.positives,
            t.name
        );
    }
    Ok(ExitCode::SUCCESS)
}
