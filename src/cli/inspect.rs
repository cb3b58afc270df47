//! `shuzhi inspect`: one report, shown the way shuzhi sees it.

use anyhow::{anyhow, Result};
use serde::Serialize;
use shuzhi::classify::Engine;
use shuzhi::ingest::{IngestOptions, Source};
use shuzhi::meta::Manifest;
use shuzhi::pipeline::{self, Parsed};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Show one report: metadata, sections with roles, statements with spans, tokens and themes.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  shuzhi inspect corpus/2021/a01.txt\n  shuzhi inspect --json report.docx | jq '.sections[].role'"
)]
pub struct Args {
    /// The report file (.txt, .md, .docx).
    file: PathBuf,
    /// Print one JSON object instead of the readable view.
    #[arg(long)]
    json: bool,
    /// Model folder (taxonomy, dictionary and classifier) [default: the built-in model]; if that folder holds
    /// no usable model, rules of the built-in taxonomy only.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
}

#[derive(Serialize)]
struct JsonHit {
    theme: String,
    name: String,
    score: f32,
    source: &'static str,
    evidence: String,
    cues: Vec<String>,
}

#[derive(Serialize)]
struct JsonStatement<'a> {
    text: &'a str,
    role: &'static str,
    role_by: &'static str,
    role_score: f32,
    start: usize,
    end: usize,
    tokens: &'a [String],
    themes: Vec<String>,
    hits: Vec<JsonHit>,
}

fn hits_of(
    engine: &Engine,
    text: &str,
    tokens: &[String],
    role: shuzhi::structure::Role,
) -> Vec<JsonHit> {
    engine
        .classify(text, tokens, role)
        .into_iter()
        .map(|h| JsonHit {
            theme: engine.taxonomy.themes[h.theme].id.clone(),
            name: engine.taxonomy.themes[h.theme].name.clone(),
            score: (h.score * 10_000.0).round() / 10_000.0,
            source: h.source.as_str(),
            evidence: text
                .chars()
                .skip(h.evidence.0)
                .take(h.evidence.1 - h.evidence.0)
                .collect(),
            cues: h.cues,
        })
        .collect()
}

#[derive(Serialize)]
struct JsonSection<'a> {
    role: &'static str,
    heading: Option<&'a str>,
    statements: Vec<JsonStatement<'a>>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    id: &'a str,
    path: &'a str,
    year: Option<i32>,
    unit: Option<&'a str>,
    unit_type: Option<&'a str>,
    encoding: &'a str,
    warnings: &'a [String],
    sections: Vec<JsonSection<'a>>,
}

fn to_json<'a>(p: &'a Parsed, engine: &Engine) -> JsonReport<'a> {
    let mut tokens = p.tokens.iter();
    let sections = p
        .structure
        .sections
        .iter()
        .map(|sec| JsonSection {
            role: sec.role.as_str(),
            heading: sec.heading.as_deref(),
            statements: sec
                .statements
                .iter()
                .map(|s| {
                    let toks = tokens.next().map(Vec::as_slice).unwrap_or(&[]);
                    let hits = hits_of(engine, &s.text, toks, s.role);
                    JsonStatement {
                        text: &s.text,
                        role: s.role.as_str(),
                        role_by: s.role_by.as_str(),
                        role_score: s.role_score,
                        start: s.start,
                        end: s.end,
                        tokens: toks,
                        themes: hits.iter().map(|h| h.theme.clone()).collect(),
                        hits,
                    }
                })
                .collect(),
        })
        .collect();
    JsonReport {
        id: &p.doc.id,
        path: &p.doc.path,
        year: p.meta.year,
        unit: p.meta.unit.as_deref(),
        unit_type: p.meta.unit_type.as_deref(),
        encoding: &p.doc.encoding,
        warnings: &p.doc.warnings,
        sections,
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    let mut notes = Vec::new();
    let engine = match super::common::load_model(args.model.as_deref()) {
        Ok((e, _)) => e,
        Err(e) => {
            notes.push(format!(
                "no usable model ({e:#}); themes from the built-in rules only"
            ));
            Engine {
                taxonomy: shuzhi::themes::Taxonomy::builtin(),
                segmenter: shuzhi::segment::Segmenter::builtin(),
                model: None,
                roles: None,
            }
        }
    };
    let seg = &engine.segmenter;
    // The corpus root is the nearest folder above the file with a manifest.csv (else the file's folder).
    let parent = args.file.parent().map(PathBuf::from).unwrap_or_default();
    let root = parent
        .ancestors()
        .take(4)
        .find(|d| d.join("manifest.csv").is_file())
        .map(PathBuf::from)
        .unwrap_or_else(|| parent.clone());
    let manifest = Manifest::load(&root).ok().flatten();
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let rel = args
        .file
        .strip_prefix(&root)
        .ok()
        .filter(|r| !r.as_os_str().is_empty())
        .map(|r| {
            r.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or(name);
    let source = Source {
        id: rel.clone(),
        rel,
        path: args.file.clone(),
        root: root.into(),
    };
    let mut parsed = pipeline::parse_source(
        &source,
        &IngestOptions::default(),
        manifest.as_ref(),
        seg,
        engine.roles.as_ref(),
        pipeline::Tokens::All,
    )
    .map_err(|e| anyhow!("{}: {e}", shuzhi::error::clip_path(&args.file)))?;
    parsed.doc.warnings.extend(notes);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        serde_json::to_writer_pretty(&mut out, &to_json(&parsed, &engine))?;
        writeln!(out)?;
    } else {
        print_readable(&mut out, &parsed, &engine)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn print_readable(out: &mut impl Write, p: &Parsed, engine: &Engine) -> Result<()> {
    let opt = |s: &Option<String>| s.clone().unwrap_or_else(|| "-".into());
    writeln!(out, "id:        {}", p.doc.id)?;
    writeln!(out, "path:      {}", p.doc.path)?;
    writeln!(
        out,
        "year:      {}",
        p.meta.year.map_or("unknown".to_string(), |y| y.to_string())
    )?;
    writeln!(
        out,
        "unit:      {} ({})",
        opt(&p.meta.unit),
        opt(&p.meta.unit_type)
    )?;
    writeln!(out, "encoding:  {}", p.doc.encoding)?;
    for w in &p.doc.warnings {
        writeln!(out, "warning:   {w}")?;
    }
    let mut tokens = p.tokens.iter();
    let mut n = 0;
    for sec in &p.structure.sections {
        writeln!(out)?;
        writeln!(
            out,
            "[{}] {}",
            sec.role,
            sec.heading.as_deref().unwrap_or("(no heading)")
        )?;
        for s in &sec.statements {
            n += 1;
            let toks: &[String] = tokens.next().map(Vec::as_slice).unwrap_or(&[]);
            writeln!(
                out,
                "  #{n} {}..{}  {}",
                s.start,
                s.end,
                ellipsize(&s.text, 60)
            )?;
            writeln!(
                out,
                "      role: {} by {} ({:.2})",
                s.role,
                s.role_by.as_str(),
                s.role_score
            )?;
            writeln!(out, "      tokens: {}", ellipsize(&toks.join(" "), 80))?;
            for h in hits_of(engine, &s.text, toks, s.role) {
                writeln!(
                    out,
                    "      => {} {} [{} {:.2}] «{}» {}",
                    h.theme,
                    h.name,
                    h.source,
                    h.score,
                    ellipsize(&h.evidence, 50),
                    h.cues.join(" ")
                )?;
            }
        }
    }
    Ok(())
}

/// Shortens text to `n` characters with an ellipsis, on one line.
pub fn ellipsize(s: &str, n: usize) -> String {
    let flat: String = s.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if flat.chars().count() <= n {
        flat
    } else {
        let mut t: String = flat.chars().take(n).collect();
        t.push('…');
        t
    }
}
