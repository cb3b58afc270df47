//! A corpus folder read in parallel: every report parsed (ingest → structure → segment), skips collected.

use crate::error::{Result, Skipped};
use crate::ingest::{self, IngestOptions};
use crate::meta::Manifest;
use crate::pipeline::{self, Parsed};
use crate::segment::Segmenter;
use rayon::prelude::*;
use std::path::{Path, PathBuf};

/// All reports of a corpus folder, sorted by id.
#[derive(Debug)]
pub struct Corpus {
    /// The root folder.
    pub root: PathBuf,
    /// Its `manifest.csv`, if any.
    pub manifest: Option<Manifest>,
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
    pub fn load(root: &Path, seg: &Segmenter, opts: &IngestOptions) -> Result<Corpus> {
        let manifest = Manifest::load(root)?;
        let (sources, mut skipped) = ingest::discover(&[root.to_path_buf()]);
        let results: Vec<_> = sources
            .par_iter()
            .map(|s| (s, pipeline::parse_source(s, opts, manifest.as_ref(), seg)))
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
        reports.sort_by(|a, b| a.doc.id.cmp(&b.doc.id));
        Ok(Corpus {
            root: root.to_path_buf(),
            manifest,
            reports,
            skipped,
        })
    }
}
