//! Stage-by-stage throughput of the analyze pipeline on the shipped corpus texts (`corpus/*/*.txt`).
//!
//! Every bench reports bytes of report text per second (`Throughput::Bytes`), so stages compare directly:
//! decode, structure, segment (our `Segmenter::tokens`), raw jieba-rs `cut` on the same text (the limit of
//! any jieba-based pipeline), features (`Vocabulary::transform`), classify (`Engine::classify` over
//! statements), aggregate (`Aggregate::add`), and end to end through the library's batch run
//! (`shuzhi::batch::run` on one shard of the corpus) on 1 thread and on all threads.
//! Heavy stages run on a fixed subset of the corpus so that `cargo bench` finishes in a few minutes.
//!
//! ```text
//! cargo bench --bench pipeline            # all
//! cargo bench --bench pipeline -- e2e     # one group
//! ```

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shuzhi::aggregate::{Aggregate, Mention, ReportRecord};
use shuzhi::batch::{self, Inputs, Settings, Shard};
use shuzhi::classify::features::Input;
use shuzhi::classify::Engine;
use shuzhi::findings::report_findings;
use shuzhi::ingest::{decode, Document};
use shuzhi::meta::Manifest;
use shuzhi::pipeline::{self, Parsed, Tokens};
use shuzhi::render::jsonl::Discard;
use shuzhi::structure::{self, Role};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Reports used by the heavy stages (classify, end to end): every 8th shipped report.
const SUBSET_STEP: usize = 8;

struct Corpus {
    files: Vec<(String, Vec<u8>)>,
    texts: Vec<String>,
    bytes: u64,
}

fn load_corpus() -> Corpus {
    let root = Path::new("corpus");
    let mut paths: Vec<PathBuf> = Vec::new();
    for year in std::fs::read_dir(root)
        .expect("run from the repository root: corpus/")
        .flatten()
    {
        if year.path().is_dir() {
            for f in std::fs::read_dir(year.path()).unwrap().flatten() {
                if f.path().extension().is_some_and(|e| e == "txt") {
                    paths.push(f.path());
                }
            }
        }
    }
    paths.sort();
    let files: Vec<(String, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(p).unwrap())
        })
        .collect();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|(_, b)| decode::decode(b).ok().map(|d| d.text))
        .collect();
    let bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
    Corpus {
        files,
        texts,
        bytes,
    }
}

fn document(rel: &str, bytes: &[u8]) -> Option<Document> {
    let d = decode::decode(bytes).ok()?;
    Some(Document {
        id: rel.to_string(),
        rel: rel.to_string(),
        path: format!("corpus/{rel}"),
        text: d.text,
        encoding: d.encoding,
        warnings: d.warnings,
    })
}

fn benches(c: &mut Criterion) {
    let corpus = load_corpus();
    let (engine, _) = Engine::from_model_dir(Path::new("models/default")).expect("models/default");
    let manifest = Manifest::load(Path::new("corpus")).expect("corpus/manifest.csv");
    let text_bytes: u64 = corpus.texts.iter().map(|t| t.len() as u64).sum();

    // Stage inputs, computed once.
    let structures: Vec<_> = corpus.texts.iter().map(|t| structure::build(t)).collect();
    let subset: Vec<&(String, Vec<u8>)> = corpus.files.iter().step_by(SUBSET_STEP).collect();
    let subset_bytes: u64 = subset.iter().map(|(_, b)| b.len() as u64).sum();
    let parsed: Vec<Parsed> = subset
        .iter()
        .filter_map(|(rel, b)| document(rel, b))
        .map(|d| {
            pipeline::parse_document(
                d,
                manifest.as_ref(),
                &engine.segmenter,
                engine.roles.as_ref(),
                Tokens::All,
            )
        })
        .collect();
    // (text, tokens, role, rules) of every classifiable statement of the subset.
    let statements: Vec<(String, Vec<String>, Role, Vec<usize>)> = parsed
        .iter()
        .flat_map(|p| {
            p.statements()
                .map(|(_, s, t)| (s.text.clone(), t.to_vec(), s.role))
        })
        .filter(|(_, _, r)| matches!(r, Role::Problem | Role::Cause | Role::Measure))
        .map(|(s, t, r)| {
            let rules = engine
                .taxonomy
                .rule_hits(&s)
                .iter()
                .map(|h| h.theme)
                .collect();
            (s, t, r, rules)
        })
        .collect();
    let stmt_bytes: u64 = statements.iter().map(|s| s.0.len() as u64).sum();
    let records: Vec<(ReportRecord, Vec<Mention>)> =
        parsed.iter().map(|p| report_findings(p, &engine)).collect();

    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Bytes(corpus.bytes));
    g.bench_function("decode", |b| {
        b.iter(|| {
            for (_, bytes) in &corpus.files {
                black_box(decode::decode(black_box(bytes)).ok());
            }
        })
    });
    g.throughput(Throughput::Bytes(text_bytes));
    g.bench_function("structure", |b| {
        b.iter(|| {
            for t in &corpus.texts {
                black_box(structure::build(black_box(t)));
            }
        })
    });
    g.bench_function("segment_tokens", |b| {
        b.iter(|| {
            for t in &corpus.texts {
                black_box(engine.segmenter.tokens(black_box(t)));
            }
        })
    });
    g.bench_function("jieba_cut_raw", |b| {
        b.iter(|| {
            for t in &corpus.texts {
                black_box(engine.segmenter.cut(black_box(t)));
            }
        })
    });
    g.bench_function("statement_tokens", |b| {
        b.iter(|| {
            for s in &structures {
                for st in s.statements() {
                    black_box(pipeline::statement_tokens(&engine.segmenter, &st.text));
                }
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("model");
    g.throughput(Throughput::Bytes(stmt_bytes));
    let model = engine.model.as_ref().expect("models/default has a model");
    g.bench_function("rule_hits", |b| {
        b.iter(|| {
            for (text, ..) in &statements {
                black_box(engine.taxonomy.rule_hits(black_box(text)));
            }
        })
    });
    g.bench_function("features_transform", |b| {
        b.iter(|| {
            for (text, tokens, role, rules) in &statements {
                black_box(model.vocab.transform(&Input {
                    tokens,
                    text,
                    role: *role,
                    rules,
                }));
            }
        })
    });
    g.bench_function("classify", |b| {
        b.iter(|| {
            for (text, tokens, role, _) in &statements {
                black_box(engine.classify(text, tokens, *role));
            }
        })
    });
    g.throughput(Throughput::Bytes(subset_bytes));
    g.bench_function("aggregate_add", |b| {
        b.iter(|| {
            let mut agg = Aggregate::new(
                engine
                    .taxonomy
                    .themes
                    .iter()
                    .map(|t| t.id.clone())
                    .collect(),
                vec!["unit_type".into()],
            );
            for (rec, mentions) in &records {
                agg.add(rec, mentions);
            }
            black_box(agg)
        })
    });
    g.finish();

    // End to end: the library's batch run (walk, read, decode, structure, segment, classify, aggregate) on
    // one shard of the corpus (about one report in SUBSET_STEP), records discarded.
    let settings = Settings {
        paths: vec![PathBuf::from("corpus")],
        by: vec!["unit_type".into()],
        ingest: Default::default(),
        shard: Some(Shard {
            k: 1,
            n: SUBSET_STEP as u32,
        }),
        near_duplicates: false,
        exclude: Vec::new(),
        scratch: None,
    };
    let shard_bytes: u64 = Inputs::gather(&settings)
        .expect("corpus manifest")
        .sources
        .iter()
        .map(|s| std::fs::metadata(&s.path).map_or(0, |m| m.len()))
        .sum();
    let mut g = c.benchmark_group("e2e");
    g.throughput(Throughput::Bytes(shard_bytes));
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    for threads in [1, cores.max(2)] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("report_threads_{threads}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    let inputs = Inputs::gather(&settings).expect("subset manifests");
                    let never = AtomicBool::new(false);
                    batch::run(
                        inputs,
                        &settings,
                        &engine,
                        &mut Discard,
                        &never,
                        &mut |_| {},
                    )
                    .expect("batch run")
                    .aggregate
                    .reports()
                })
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = pipeline_benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(pipeline_benches);
