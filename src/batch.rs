//! The batch run: files in, per-report records and an additive aggregate out, skipped inputs as typed rows.
//!
//! Reports flow through ingest → structure → segment → classify in parallel, in chunks, so memory stays
//! flat; records go to a [`RecordSink`] in id order while the next chunk is processed, and are counted into
//! the [`Aggregate`]. `shuzhi analyze`, the benches and the tests all run reports through [`run`].

use crate::aggregate::{Aggregate, Mention, ReportRecord};
use crate::classify::Engine;
use crate::corpus::{self, Manifests};
use crate::error::{Error, Result, SkipReason, Skipped};
use crate::findings;
use crate::ingest::{IngestOptions, Source};
use crate::neardup;
use crate::pipeline::{self, Parsed, Tokens};
use crate::render::jsonl::RecordSink;
use crate::themes::RuleHit;
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reports taken through each stage together by one worker (see `run`); a chunk is this many per thread.
/// Batches of 16 to 64 reports took 8–12 % less time than one report at a time on 52 MB of reports.
const BATCH: usize = 64;

/// Part K of N of a corpus (1-based), for batch schedulers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    /// Which part, 1 ≤ k ≤ n.
    pub k: u32,
    /// How many parts.
    pub n: u32,
}

impl Shard {
    /// Parses `K/N`.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn parse(s: &str) -> std::result::Result<Shard, String> {
        let (k, n) = s.split_once('/').ok_or("expected K/N, e.g. 1/4")?;
        let k: u32 = k.trim().parse().map_err(|_| "K must be a number")?;
        let n: u32 = n.trim().parse().map_err(|_| "N must be a number")?;
        if n == 0 || k == 0 || k > n {
            return Err(format!("shard {k}/{n}: need 1 ≤ K ≤ N"));
        }
        Ok(Shard { k, n })
    }

    /// Whether the report `id` belongs to this shard. FNV-1a of the id: the assignment does not depend on
    /// the other files.
    pub fn holds(&self, id: &str) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.bytes() {
            h = (h ^ b as u64).wrapping_mul(0x100_0000_01b3);
        }
        (h % self.n as u64) as u32 + 1 == self.k
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// Checked settings of a batch run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Files and folders to read.
    pub paths: Vec<PathBuf>,
    /// Grouping dimensions of `theme_by_group.csv` (non-empty names).
    pub by: Vec<String>,
    /// Size limits of ingest.
    pub ingest: IngestOptions,
    /// Only this part of the corpus.
    pub shard: Option<Shard>,
    /// Also find near-duplicate reports (keeps every report's tokens until the end).
    pub near_duplicates: bool,
    /// Folders never read (canonical paths): the output folder.
    pub exclude: Vec<PathBuf>,
    /// Where records wait for the near-duplicate pairs, in an unnamed file (the run's staging folder);
    /// the system's temporary folder when `None`.
    pub scratch: Option<PathBuf>,
}

/// The report files of a run, found before any is read.
#[derive(Debug)]
pub struct Inputs {
    /// Files to read, sorted by id (only this shard's).
    pub sources: Vec<Source>,
    /// Paths that could not be walked or are not readable reports.
    pub skipped: Vec<Skipped>,
    /// The `manifest.csv` of each root.
    pub manifests: Manifests,
    /// Checksum of the ids and sizes of every report file found, before sharding.
    pub corpus: String,
}

impl Inputs {
    /// Walks the paths of `settings` and reads their manifests.
    ///
    /// # Errors
    /// A malformed `manifest.csv`.
    pub fn gather(settings: &Settings) -> Result<Inputs> {
        let (mut sources, mut skipped) =
            corpus::gather_excluding(&settings.paths, &settings.exclude);
        let mut list = String::new();
        for s in &sources {
            let size = std::fs::metadata(&s.path).map_or(0, |m| m.len());
            list.push_str(&format!("{}\t{size}\n", s.id));
        }
        let corpus = crate::outset::checksum(list.as_bytes());
        if let Some(shard) = settings.shard {
            sources.retain(|s| shard.holds(&s.id));
            // A path that cannot be read is reported by one shard, not by all of them.
            skipped.retain(|s| shard.holds(&s.path.to_string_lossy()));
        }
        let manifests = corpus::manifests(&sources)?;
        Ok(Inputs {
            sources,
            skipped,
            manifests,
            corpus,
        })
    }

    /// Whether nothing at all was found (no file to read and none skipped).
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.skipped.is_empty()
    }
}

/// What a run reports while it goes.
pub enum Event<'a> {
    /// An input was skipped.
    Skipped(&'a Skipped),
    /// A chunk of reports is done.
    Done {
        /// Reports in the chunk.
        reports: u64,
        /// Their size in bytes.
        bytes: u64,
    },
}

/// The result of a finished run.
#[derive(Debug)]
pub struct Outcome {
    /// Counts of every report read.
    pub aggregate: Aggregate,
    /// Every input skipped, walk skips first, then in id order.
    pub skipped: Vec<Skipped>,
    /// Near-duplicate pairs (none unless asked for).
    pub near_duplicates: neardup::Found,
}

type Analysed = (ReportRecord, Vec<Mention>, Vec<String>);

/// Runs every input through the pipeline: records go to `sink` in id order, counts into the aggregate.
/// `cancel` is checked between chunks.
///
/// # Errors
/// [`Error::Interrupted`] when `cancel` was set; sink errors.
pub fn run(
    inputs: Inputs,
    settings: &Settings,
    engine: &Engine,
    sink: &mut (dyn RecordSink + Send),
    cancel: &AtomicBool,
    observe: &mut (dyn FnMut(Event) + Send),
) -> Result<Outcome> {
    let Inputs {
        sources,
        skipped: walk_skips,
        manifests,
        ..
    } = inputs;
    let mut agg = Aggregate::new(engine.taxonomy.ids(), settings.by.clone());
    let mut skipped: Vec<Skipped> = Vec::new();
    for s in walk_skips {
        observe(Event::Skipped(&s));
        skipped.push(s);
    }
    let near_dups = settings.near_duplicates;
    // Near-duplicates compare whole reports; otherwise only classified statements need tokens.
    let which = if near_dups {
        Tokens::All
    } else {
        Tokens::Classified
    };
    let opts = settings.ingest;
    // One small batch of reports, stage by stage (read and structure, segment, rule hits, the rest of
    // classification): each stage's tables (jieba's dictionary, the rule automaton, the model's weights)
    // stay in the processor's caches for the whole batch instead of being evicted by the other stages at
    // every report. Outputs are the same as report by report.
    let batch = |sub: &[Source]| -> Vec<(u64, std::result::Result<Analysed, SkipReason>)> {
        let mut read: Vec<(u64, std::result::Result<Parsed, SkipReason>)> = sub
            .iter()
            .map(|s| {
                // Stopping: the rest of the chunk is not read, and nothing of it is stored.
                if cancel.load(Ordering::Relaxed) {
                    return (0, Err(SkipReason::Empty));
                }
                let size = std::fs::metadata(&s.path).map(|m| m.len()).unwrap_or(0);
                let r = corpus::read_structured(s, &manifests, engine.roles.as_ref(), &opts);
                (size, r)
            })
            .collect();
        for p in read.iter_mut().filter_map(|(_, r)| r.as_mut().ok()) {
            pipeline::segment_statements(p, &engine.segmenter, which);
        }
        let ruled: Vec<Vec<Vec<RuleHit>>> = read
            .iter()
            .map(|(_, r)| match r {
                Ok(p) => findings::statement_rule_hits(p, engine),
                Err(_) => Vec::new(),
            })
            .collect();
        read.into_iter()
            .zip(ruled)
            .map(|((size, r), rule_hits)| {
                let r = r.map(|p| {
                    let (rec, mentions) = findings::report_findings_ruled(&p, engine, &rule_hits);
                    let tokens = if near_dups {
                        p.tokens.concat()
                    } else {
                        Vec::new()
                    };
                    (rec, mentions, tokens)
                });
                (size, r)
            })
            .collect()
    };
    let process = |part: &[Source]| -> Vec<(u64, std::result::Result<Analysed, SkipReason>)> {
        part.par_chunks(BATCH).flat_map_iter(batch).collect()
    };
    let mut nd_index = neardup::Index::new();
    let mut held = if near_dups {
        Some(Held::new(settings.scratch.as_deref())?)
    } else {
        None
    };
    // Stores one processed chunk, in input order: the only serial step, so it runs while the workers
    // process the next chunk.
    let mut store = |part: &[Source],
                     results: Vec<(u64, std::result::Result<Analysed, SkipReason>)>|
     -> Result<()> {
        let mut bytes = 0;
        for (s, (size, r)) in part.iter().zip(results) {
            bytes += size;
            match r {
                Ok((rec, mentions, tokens)) => {
                    match held.as_mut() {
                        Some(h) => {
                            nd_index.add(rec.id.clone(), tokens);
                            h.push(&rec)?;
                        }
                        None => sink.report(&rec)?,
                    }
                    for m in &mentions {
                        sink.mention(m)?;
                    }
                    agg.add(&rec, &mentions);
                }
                Err(reason) => {
                    let row = Skipped {
                        path: s.path.clone(),
                        reason,
                    };
                    observe(Event::Skipped(&row));
                    skipped.push(row);
                }
            }
        }
        observe(Event::Done {
            reports: part.len() as u64,
            bytes,
        });
        Ok(())
    };
    let chunk = BATCH * rayon::current_num_threads().max(1);
    type Pending<'a> = (
        &'a [Source],
        Vec<(u64, std::result::Result<Analysed, SkipReason>)>,
    );
    let mut pending: Option<Pending> = None;
    for part in sources.chunks(chunk) {
        if cancel.load(Ordering::SeqCst) {
            return Err(Error::Interrupted);
        }
        let (results, stored) = rayon::join(
            || process(part),
            || match pending.take() {
                Some((p, r)) => store(p, r),
                None => Ok(()),
            },
        );
        stored?;
        if cancel.load(Ordering::SeqCst) {
            return Err(Error::Interrupted);
        }
        pending = Some((part, results));
    }
    if let Some((p, r)) = pending.take() {
        store(p, r)?;
    }
    if cancel.load(Ordering::SeqCst) {
        return Err(Error::Interrupted);
    }
    let mut found = neardup::Found::default();
    if let Some(held) = held {
        found = nd_index.find(neardup::DEFAULT_THRESHOLD);
        // Places in the index are places in `held`; each report's pairs in the order of the list.
        let mut of: Vec<Vec<u32>> = vec![Vec::new(); held.count];
        for (k, s) in found.similar().iter().enumerate() {
            of[s.a as usize].push(k as u32);
            of[s.b as usize].push(k as u32);
        }
        for (i, rec) in held.records()?.enumerate() {
            let mut rec = rec?;
            for &k in &of[i] {
                let s = found.similar()[k as usize];
                let other = if s.a as usize == i { s.b } else { s.a };
                let pct = (s.similarity * 100.0).round();
                rec.warnings.push(format!(
                    "near-duplicate of {} ({pct}% shared 3-grams)",
                    found.id(other)
                ));
            }
            sink.report(&rec)?;
        }
    }
    Ok(Outcome {
        aggregate: agg,
        skipped,
        near_duplicates: found,
    })
}

/// Records held back until the near-duplicate pairs are known, one JSON line each in an unnamed file of
/// the scratch folder (gone with the process, however it ends) rather than in memory: they are tens of
/// megabytes per 100 MB of reports.
struct Held {
    file: std::io::BufWriter<std::fs::File>,
    /// The folder of the file, for messages.
    dir: PathBuf,
    count: usize,
}

impl Held {
    fn new(dir: Option<&std::path::Path>) -> Result<Held> {
        let dir = dir.map_or_else(std::env::temp_dir, std::path::Path::to_path_buf);
        let file = tempfile::tempfile_in(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Held {
            file: std::io::BufWriter::new(file),
            dir,
            count: 0,
        })
    }

    fn push(&mut self, rec: &ReportRecord) -> Result<()> {
        use std::io::Write;
        let written = serde_json::to_writer(&mut self.file, rec)
            .map_err(std::io::Error::from)
            .and_then(|()| self.file.write_all(b"\n"));
        written.map_err(|e| Error::io(&self.dir, e))?;
        self.count += 1;
        Ok(())
    }

    /// The records in the order they were held.
    fn records(self) -> Result<impl Iterator<Item = Result<ReportRecord>>> {
        use std::io::{BufRead, Seek};
        let dir = self.dir;
        let error = move |e| Error::io(&dir, e);
        let mut file = self.file.into_inner().map_err(|e| error(e.into_error()))?;
        file.rewind().map_err(&error)?;
        Ok(std::io::BufReader::new(file).lines().map(move |line| {
            let line = line.map_err(&error)?;
            serde_json::from_str(&line).map_err(|e| error(e.into()))
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[derive(Default)]
    struct Collect {
        reports: Vec<ReportRecord>,
        mentions: Vec<Mention>,
    }

    impl RecordSink for Collect {
        fn report(&mut self, rec: &ReportRecord) -> Result<()> {
            self.reports.push(rec.clone());
            Ok(())
        }
        fn mention(&mut self, m: &Mention) -> Result<()> {
            self.mentions.push(m.clone());
            Ok(())
        }
    }

    /// Reports taken through the stages in batches get the records and mentions of one report at a time,
    /// in order, with unreadable files among them and more reports than one batch, on 1 and 3 threads.
    #[test]
    fn batches_give_the_findings_of_one_report_at_a_time() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (engine, _) = Engine::from_model_dir(&root.join("models/default")).unwrap();
        let dir = std::env::temp_dir().join(format!("shuzhi-batches-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut shipped: Vec<PathBuf> = std::fs::read_dir(root.join("corpus/2023"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        shipped.sort();
        assert!(shipped.len() > 20, "{}", shipped.len());
        // Three copies of each shipped report make more than two batches; every seventh file is empty or
        // binary, so skipped files fall inside batches.
        let mut n = 0;
        for _ in 0..3 {
            for p in &shipped {
                let name = dir.join(format!("r{n:04}.txt"));
                match n % 7 {
                    3 => std::fs::write(&name, b"").unwrap(),
                    5 => std::fs::write(&name, [0u8, 159, 146, 150, 0, 1, 2, 3]).unwrap(),
                    _ => std::fs::copy(p, &name).map(drop).unwrap(),
                }
                n += 1;
            }
        }
        assert!(n > 2 * BATCH, "{n}");
        let settings = Settings {
            paths: vec![dir.clone()],
            by: Vec::new(),
            ingest: Default::default(),
            shard: None,
            near_duplicates: false,
            exclude: Vec::new(),
            scratch: None,
        };
        // One report at a time.
        let inputs = Inputs::gather(&settings).unwrap();
        let mut want = Collect::default();
        let mut skipped = 0;
        for s in &inputs.sources {
            match corpus::parse(
                s,
                &inputs.manifests,
                &engine.segmenter,
                engine.roles.as_ref(),
                &settings.ingest,
                Tokens::Classified,
            ) {
                Ok(p) => {
                    let (rec, mentions) = findings::report_findings(&p, &engine);
                    want.reports.push(rec);
                    want.mentions.extend(mentions);
                }
                Err(_) => skipped += 1,
            }
        }
        assert!(skipped >= 2 * n / 7 - 2, "{skipped} of {n}");
        for threads in [1, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            let mut got = Collect::default();
            let outcome = pool
                .install(|| {
                    run(
                        Inputs::gather(&settings).unwrap(),
                        &settings,
                        &engine,
                        &mut got,
                        &AtomicBool::new(false),
                        &mut |_| {},
                    )
                })
                .unwrap();
            assert_eq!(outcome.skipped.len(), skipped, "{threads} threads");
            assert_eq!(got.reports, want.reports, "{threads} threads");
            assert_eq!(got.mentions, want.mentions, "{threads} threads");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
