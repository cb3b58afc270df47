//! `shuzhi segment`: jieba-rs tokens with the domain dictionary, for checking how text is cut.

use anyhow::{Context, Result};
use shuzhi::segment::Segmenter;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Segment text with jieba-rs and the domain dictionary.
#[derive(clap::Args)]
#[command(
    after_help = "Examples:\n  shuzhi segment corpus/2021/a01.txt\n  echo 严格落实三会一课制度 | shuzhi segment -\n  shuzhi segment --raw report.txt"
)]
pub struct Args {
    /// A report file (.txt, .md, .docx), or - for standard input.
    #[arg(default_value = "-")]
    input: String,
    /// User dictionary (`word freq [tag]` a line); default: models/userdict.txt if present, else the built-in.
    #[arg(long)]
    dict: Option<PathBuf>,
    /// Stopword list; default: models/stopwords.txt if present, else the built-in.
    #[arg(long)]
    stopwords: Option<PathBuf>,
    /// Print every token, without the punctuation, number and stopword filters.
    #[arg(long)]
    raw: bool,
}

/// Builds the segmenter from flags, then `models/` in the working folder, then the built-in copies.
pub fn segmenter(dict: Option<PathBuf>, stopwords: Option<PathBuf>) -> Result<Segmenter> {
    let pick = |flag: Option<PathBuf>, default: &str| {
        flag.or_else(|| Some(PathBuf::from(default)).filter(|p| p.is_file()))
    };
    let dict = pick(dict, "models/userdict.txt");
    let stop = pick(stopwords, "models/stopwords.txt");
    let d = match &dict {
        Some(p) => shuzhi::regular_file::read_to_string(p)
            .with_context(|| format!("reading {}", p.display()))?,
        None => shuzhi::segment::BUILTIN_USERDICT.to_string(),
    };
    let s = match &stop {
        Some(p) => shuzhi::regular_file::read_to_string(p)
            .with_context(|| format!("reading {}", p.display()))?,
        None => shuzhi::segment::BUILTIN_STOPWORDS.to_string(),
    };
    let origin = dict.unwrap_or_else(|| PathBuf::from("<built-in userdict>"));
    Ok(Segmenter::new(&origin, &d, &s)?)
}

pub fn run(args: Args) -> Result<ExitCode> {
    let seg = segmenter(args.dict, args.stopwords)?;
    let text = if args.input == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .context("reading standard input")?;
        shuzhi::ingest::decode::decode(&buf)
            .map_err(|e| anyhow::anyhow!("<stdin>: {e}"))?
            .text
    } else {
        let path = PathBuf::from(&args.input);
        let src = shuzhi::ingest::Source {
            id: args.input.clone(),
            rel: args.input.clone(),
            path,
            root: std::sync::Arc::from(std::path::Path::new(".")),
        };
        shuzhi::ingest::load(&src, &Default::default())
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.input))?
            .text
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let toks = if args.raw {
            seg.cut(line)
        } else {
            seg.tokens(line)
        };
        let toks: Vec<&str> = toks.into_iter().filter(|t| !t.trim().is_empty()).collect();
        writeln!(out, "{}", toks.join(" "))?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
