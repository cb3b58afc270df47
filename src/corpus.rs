//! Reading many report files at once: gathering sources from the paths given, their `manifest.csv` files,
//! and parsing every report in parallel (ingest → structure → segment) with the skips collected.

use crate::classify::roles::RoleModel;
use crate::error::{Result, Skipped};
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
/// of their root so that they stay unique.
pub fn gather(paths: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    gather_excluding(paths, &[])
}

/// [`gather`], passing over the folders in `exclude` (canonical paths).
pub fn gather_excluding(paths: &[PathBuf], exclude: &[PathBuf]) -> (Vec<Source>, Vec<Skipped>) {
    let (mut sources, skipped) = ingest::discover_excluding(paths, exclude);
    if paths.len() > 1 {
        for s in &mut sources {
            if let Some(name) = s.root.file_name() {
                s.id = format!("{}/{}", name.to_string_lossy(), s.rel);
            }
        }
    }
    sources.sort_by(|a, b| a.id.cmp(&b.id));
    sources.dedup_by(|a, b| a.id == b.id);
    (sources, skipped)
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

/// Parses one source with the manifest of its root.
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
    let manifest = manifests.get(&*s.root).and_then(|m| m.as_ref());
    pipeline::parse_source(s, opts, manifest, seg, roles, which)
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
