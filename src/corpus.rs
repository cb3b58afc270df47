//! Reading many report files at once: gathering sources from the paths given, their `manifest.csv` files,
//! and parsing every report in parallel (ingest → structure → segment) with the skips collected.

use crate::classify::roles::RoleModel;
use crate::error::{Result, SkipReason, Skipped};
use crate::ingest::{self, IngestOptions, Source};
use crate::meta::Manifest;
use crate::pipeline::{self, Parsed};
use crate::segment::Segmenter;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The `manifest.csv` of each root a source came from (`None` where a root has none).
pub type Manifests = HashMap<PathBuf, Option<Manifest>>;

/// Finds the report files under `paths`, sorted by id. With several paths, ids are prefixed with the name
/// of their root so that they stay unique (with as many parent folders as it takes to tell roots of the
/// same name apart: `a/reports/r.txt`, `b/reports/r.txt`). A file reached twice is read once; two
/// different files that still share an id are never merged: the second is skipped as `duplicate_id`.
pub fn gather(paths: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    gather_excluding(paths, &[])
}

/// [`gather`], passing over the folders in `exclude` (canonical paths).
pub fn gather_excluding(paths: &[PathBuf], exclude: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    let (mut sources, mut skipped) = ingest::discover_excluding(paths, exclude);
    if paths.len() > 1 {
        let labels = root_labels(sources.iter().map(|s| &*s.root));
        for s in &mut sources {
            if let Some(label) = labels.get(&*s.root).filter(|l| !l.is_empty()) {
                s.id = format!("{label}/{}", s.rel);
            }
        }
    }
    sources.sort_by(|a, b| a.id.cmp(&b.id).then_with(|| a.path.cmp(&b.path)));
    let mut seen: HashMap<PathBuf, usize> = HashMap::new();
    let mut kept: Vec<Source> = Vec::with_capacity(sources.len());
    for s in sources {
        let real = s.path.canonicalize().unwrap_or_else(|_| s.path.clone());
        if seen.contains_key(&real) {
            continue; // the same file named twice (a folder and a file in it): read once
        }
        if let Some(prev) = kept.last().filter(|k| k.id == s.id) {
            skipped.push(Skipped {
                reason: SkipReason::DuplicateId {
                    id: s.id.clone(),
                    other: prev.path.clone(),
                },
                path: s.path,
            });
            continue;
        }
        seen.insert(real, kept.len());
        kept.push(s);
    }
    (kept, skipped)
}

/// The prefix of each root's ids: its folder name, with as many parent folders (of its absolute path) as
/// it takes to tell it from every other root, so ids do not depend on the order the roots were given in.
/// A root without a name of its own (`.`, `..`) gives no prefix, as before.
fn root_labels<'a>(roots: impl Iterator<Item = &'a Path>) -> HashMap<PathBuf, String> {
    let roots: std::collections::BTreeSet<&Path> =
        roots.filter(|r| r.file_name().is_some()).collect();
    let parts: Vec<(&Path, Vec<String>)> = roots
        .into_iter()
        .map(|r| {
            let full = std::path::absolute(r).unwrap_or_else(|_| r.to_path_buf());
            let names = full
                .components()
                .filter_map(|c| match c {
                    std::path::Component::Normal(n) => Some(ingest::name_id(n)),
                    _ => None,
                })
                .collect();
            (r, names)
        })
        .collect();
    let suffix = |names: &[String], d: usize| names[names.len().saturating_sub(d)..].join("/");
    let mut out = HashMap::new();
    for (i, (root, names)) in parts.iter().enumerate() {
        let mut d = 1;
        while d < names.len()
            && parts
                .iter()
                .enumerate()
                .any(|(j, (_, o))| j != i && suffix(o, d) == suffix(names, d))
        {
            d += 1;
        }
        out.insert(root.to_path_buf(), suffix(names, d));
    }
    out
}

/// Reads the manifest of every root the sources came from, once per root.
///
/// # Errors
/// A malformed `manifest.csv`.
pub fn manifests(sources: &[Source]) -> Result<Manifests> {
    let mut out = Manifests::new();
    for s in sources {
        if !out.contains_key(&*s.root) {
            out.insert(s.root.to_path_buf(), Manifest::load(&s.root)?);
        }
    }
    Ok(out)
}

/// Parses one source with the manifest of its root: [`read_structured`], then segmentation.
///
/// # Errors
/// The reason the file was skipped.
pub fn parse(
    s: &Source,
    manifests: &Manifests,
    seg: &Segmenter,
    roles: Option<&RoleModel>,
    opts: &IngestOptions,
    which: pipeline::Tokens,
) -> std::result::Result<Parsed, crate::error::SkipReason> {
    let mut p = read_structured(s, manifests, roles, opts)?;
    pipeline::segment_statements(&mut p, seg, which);
    Ok(p)
}

/// Reads and structures one source with the manifest of its root, without segmenting it
/// ([`pipeline::segment_statements`] does that next).
///
/// # Errors
/// The reason the file was skipped.
pub fn read_structured(
    s: &Source,
    manifests: &Manifests,
    roles: Option<&RoleModel>,
    opts: &IngestOptions,
) -> std::result::Result<Parsed, crate::error::SkipReason> {
    let manifest = manifests.get(&*s.root).and_then(|m| m.as_ref());
    let doc = ingest::load(s, opts)?;
    Ok(pipeline::structure_document(doc, manifest, roles))
}

/// All reports under some paths, sorted by id, with the files that could not be read.
#[derive(Debug)]
pub struct Corpus {
    /// Parsed reports, sorted by id.
    pub reports: Vec<Parsed>,
    /// Files that could not be read.
    pub skipped: Vec<Skipped>,
}

impl Corpus {
    /// Reads every report under `root`.
    ///
    /// # Errors
    /// A malformed `manifest.csv` (bad files are skipped, not errors).
    pub fn load(
        root: &Path,
        seg: &Segmenter,
        roles: Option<&RoleModel>,
        opts: &IngestOptions,
    ) -> Result<Corpus> {
        Self::load_paths(&[root.to_path_buf()], seg, roles, opts)
    }

    /// Reads every report under the given files and folders (ids as [`gather`] makes them).
    ///
    /// # Errors
    /// A malformed `manifest.csv` in one of the roots.
    pub fn load_paths(
        paths: &[PathBuf],
        seg: &Segmenter,
        roles: Option<&RoleModel>,
        opts: &IngestOptions,
    ) -> Result<Corpus> {
        let (sources, mut skipped) = gather(paths);
        let manifests = manifests(&sources)?;
        let results: Vec<_> = sources
            .par_iter()
            .map(|s| {
                (
                    s,
                    parse(s, &manifests, seg, roles, opts, pipeline::Tokens::All),
                )
            })
            .collect();
        let mut reports = Vec::new();
        for (s, r) in results {
            match r {
                Ok(p) => reports.push(p),
                Err(reason) => skipped.push(Skipped {
                    path: s.path.clone(),
                    reason,
                }),
            }
        }
        Ok(Corpus { reports, skipped })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_of_the_same_name_are_told_apart_by_their_parents() {
        let labels = root_labels(
            [
                Path::new("/x/a/reports"),
                Path::new("/x/b/reports"),
                Path::new("/y/other"),
                Path::new("."),
            ]
            .into_iter(),
        );
        assert_eq!(labels[Path::new("/x/a/reports")], "a/reports");
        assert_eq!(labels[Path::new("/x/b/reports")], "b/reports");
        assert_eq!(labels[Path::new("/y/other")], "other");
        assert!(!labels.contains_key(Path::new(".")));
    }
}
