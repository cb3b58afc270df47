//! One report from file to structured, segmented statements: the per-report unit of parallel work.

use crate::classify::roles::RoleModel;
use crate::error::SkipReason;
use crate::ingest::{self, Document, IngestOptions, Source};
use crate::meta::{self, Manifest, Meta};
use crate::normalize;
use crate::segment::Segmenter;
use crate::structure::{self, Structure};

/// The warning of a report where no problem or cause statement was found, although a heading announces them.
pub const NO_PROBLEMS_HEADED: &str =
    "no problem or cause statement found, although a heading announces problems or causes";
/// The warning of a report where no problem or cause statement was found and nothing announced them.
pub const NO_PROBLEMS: &str =
    "no problem or cause statement found (no problems heading, turn phrase or statement read as a problem)";

/// A report after ingest, metadata, structure and segmentation.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The decoded document (text, encoding, warnings).
    pub doc: Document,
    /// Year, unit, unit type, groups.
    pub meta: Meta,
    /// Sections and statements.
    pub structure: Structure,
    /// The repairs the normaliser made before structure (empty for a clean file).
    pub normalized: Vec<normalize::Step>,
    /// Filtered tokens of each statement, in [`Structure::statements`] order; empty for the statements
    /// [`Tokens::Classified`] leaves out, and no entry at all before [`segment_statements`].
    pub tokens: Vec<Vec<String>>,
    /// Byte offset within its statement of each token in [`Parsed::tokens`], so that evidence can split a
    /// statement's tokens by sentence without segmenting it again.
    pub starts: Vec<Vec<u32>>,
}

impl Parsed {
    /// Statements with their tokens and global index, in document order.
    pub fn statements(&self) -> impl Iterator<Item = (usize, &structure::Statement, &[String])> {
        self.structure
            .statements()
            .zip(self.tokens.iter())
            .enumerate()
            .map(|(i, (s, t))| (i, s, t.as_slice()))
    }
}

/// Which statements to segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tokens {
    /// Every statement.
    #[default]
    All,
    /// Only the statements that are classified (problem, cause, measure): what `analyze` needs, and
    /// highlights are a large share of most reports.
    Classified,
}

/// Structures and segments a decoded document.
pub fn parse_document(
    doc: Document,
    manifest: Option<&Manifest>,
    seg: &Segmenter,
    roles: Option<&RoleModel>,
    which: Tokens,
) -> Parsed {
    let mut p = structure_document(doc, manifest, roles);
    segment_statements(&mut p, seg, which);
    p
}

/// Normalises and structures a decoded document: [`parse_document`] without segmentation, so that a batch
/// can structure several reports before segmenting them (see [`segment_statements`]).
pub fn structure_document(
    mut doc: Document,
    manifest: Option<&Manifest>,
    roles: Option<&RoleModel>,
) -> Parsed {
    let norm = normalize::normalize(&doc.text);
    doc.text = norm.text;
    let meta = meta::derive(&doc.rel, &doc.text, manifest, &mut doc.warnings);
    let mut structure = structure::build(&doc.text);
    if let Some(m) = roles {
        m.assign(&mut structure);
    }
    if !structure.statements().any(|s| s.role.raises()) {
        doc.warnings.push(
            if structure.problem_heading {
                NO_PROBLEMS_HEADED
            } else {
                NO_PROBLEMS
            }
            .into(),
        );
    }
    Parsed {
        doc,
        meta,
        structure,
        normalized: norm.steps,
        tokens: Vec::new(),
        starts: Vec::new(),
    }
}

/// Segments the statements `which` names of a structured report into [`Parsed::tokens`] and
/// [`Parsed::starts`].
pub fn segment_statements(p: &mut Parsed, seg: &Segmenter, which: Tokens) {
    (p.tokens, p.starts) = p
        .structure
        .statements()
        .map(|s| {
            if which == Tokens::All || s.role.classified() {
                statement_tokens_at(seg, &s.text)
            } else {
                (Vec::new(), Vec::new())
            }
        })
        .unzip();
}

/// Tokens of a statement, without its list marker (「（一）」「三是」 say nothing about the theme).
pub fn statement_tokens(seg: &Segmenter, text: &str) -> Vec<String> {
    let body = match structure::markers::at_start(text) {
        Some(m) => &text[m.len..],
        None => text,
    };
    seg.tokens(body).into_iter().map(str::to_string).collect()
}

/// [`statement_tokens`] with the byte offset of each token within `text` (marker included).
pub fn statement_tokens_at(seg: &Segmenter, text: &str) -> (Vec<String>, Vec<u32>) {
    let skip = structure::markers::at_start(text).map_or(0, |m| m.len);
    seg.tokens_at(&text[skip..])
        .into_iter()
        .map(|(at, t)| (t.to_string(), (skip + at) as u32))
        .unzip()
}

/// Reads, decodes, structures and segments one file.
///
/// # Errors
/// The reason the file was skipped.
pub fn parse_source(
    source: &Source,
    opts: &IngestOptions,
    manifest: Option<&Manifest>,
    seg: &Segmenter,
    roles: Option<&RoleModel>,
    which: Tokens,
) -> Result<Parsed, SkipReason> {
    let doc = ingest::load(source, opts)?;
    Ok(parse_document(doc, manifest, seg, roles, which))
}
