//! Deciding which themes a statement carries: rules from the taxonomy, plus the trained linfa model, with the
//! evidence sentence for every hit.

pub mod builtin;
pub mod card;
pub mod dataset;
pub mod evaluate;
pub mod features;
pub mod linear;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod roles;
pub mod theme_model;

use crate::error::Result;
use crate::segment::Segmenter;
use crate::structure::{markers::is_han, Role};
use crate::themes::{RuleHit, Taxonomy};
use features::{Input, Sparse};
use model::Classifier;
use serde::Serialize;
use std::path::Path;

/// Where a hit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HitSource {
    /// The model alone.
    Model,
    /// A rule alone.
    Rule,
    /// Both agreed.
    Both,
}

impl HitSource {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            HitSource::Model => "model",
            HitSource::Rule => "rule",
            HitSource::Both => "both",
        }
    }
}

/// A theme found in a statement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// Theme index in the taxonomy.
    pub theme: usize,
    /// Model probability (1.0 for rule-only hits without a model).
    pub score: f32,
    /// Model, rule or both.
    pub source: HitSource,
    /// Character span of the evidence sentence within the statement.
    pub evidence: (usize, usize),
    /// The words that fired: the rule match, or the model's strongest features in that sentence.
    pub cues: Vec<String>,
}

/// Everything needed to classify statements: taxonomy, segmenter and (optionally) a trained model.
#[derive(Debug)]
pub struct Engine {
    /// The taxonomy (rules).
    pub taxonomy: Taxonomy,
    /// The segmenter with the model's dictionary.
    pub segmenter: Segmenter,
    /// The trained model; `None` means rules only.
    pub model: Option<Classifier>,
    /// The statement-role model, when the model folder has one.
    pub roles: Option<roles::RoleModel>,
}

/// Byte spans of the sentences of a text (ending at 。；！？ or a line break).
pub fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '；' | ';' | '！' | '？' | '!' | '?' | '\n') {
            let end = i + c.len_utf8();
            if text[start..end].chars().any(is_han) {
                out.push((start, end));
            }
            start = end;
        }
    }
    if start < text.len() && text[start..].chars().any(is_han) {
        out.push((start, text.len()));
    }
    if out.is_empty() {
        out.push((0, text.len()));
    }
    // Trim surrounding whitespace so that spans and texts agree.
    out.into_iter()
        .map(|(s, e)| {
            let seg = &text[s..e];
            let s2 = s + (seg.len() - seg.trim_start().len());
            (s2, s2 + seg.trim().len())
        })
        .collect()
}

fn model_probs(
    model: &Classifier,
    text: &str,
    tokens: &[String],
    role: Role,
    rules: &[usize],
) -> Vec<f32> {
    model.probs(&model.vocab.transform(&Input {
        tokens,
        text,
        role,
        rules,
    }))
}

/// Whether jieba-rs cuts `c` in a run with its neighbours: CJK ideographs, ASCII letters and digits and
/// `+#&._%-` (its default word class). U+20000–U+2FA1F is taken whole (jieba-rs lists its extension
/// blocks there with gaps), so the class can only be wider than jieba-rs's, never narrower.
fn cut_together(c: char) -> bool {
    matches!(c,
        '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FA1F}')
        || c.is_ascii_alphanumeric()
        || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
}

/// The first offset at or after `skip` where a cut of `text` surely starts afresh: the end of the run of
/// word characters that goes on across `skip`. jieba-rs cuts each such run on its own and every other
/// character alone (a `\r\n` pair as one), so a cut of the whole text and a cut of `text[skip..]` give the
/// same tokens from there on. `None` only at a `\r\n` pair split by `skip`.
fn cut_restart(text: &str, skip: usize) -> Option<usize> {
    let rest = &text[skip..];
    let b = skip + rest.find(|c| !cut_together(c)).unwrap_or(rest.len());
    (b > skip || !(text[..skip].ends_with('\r') && rest.starts_with('\n'))).then_some(b)
}

fn char_span(text: &str, (s, e): (usize, usize)) -> (usize, usize) {
    let cs = text[..s].chars().count();
    (cs, cs + text[s..e].chars().count())
}

impl Engine {
    /// Loads a model folder, with its own taxonomy, dictionary and stopwords (verified by hash).
    ///
    /// # Errors
    /// See [`persist::load`]; also a taxonomy or dictionary that no longer parses.
    pub fn from_model_dir(dir: &Path) -> Result<(Engine, persist::ModelDir)> {
        Self::from_model(dir, persist::load(dir)?)
    }

    /// Loads the model built into the binary (a copy of `models/default/` made at build time).
    ///
    /// # Errors
    /// See [`builtin::load`].
    pub fn builtin() -> Result<(Engine, persist::ModelDir)> {
        let origin = Path::new(builtin::ORIGIN);
        // The built-in taxonomy, dictionary and stopwords are known before the model is parsed (which
        // checks them against its recorded hashes), so parsing the model JSON, building jieba's dictionary
        // and building the rule automata, the slow parts of start-up, all run side by side.
        let (m, (taxonomy, segmenter)) = rayon::join(builtin::load, || {
            Self::build_parts(
                origin,
                builtin::THEMES_TOML,
                builtin::USERDICT,
                builtin::STOPWORDS,
            )
        });
        Self::assemble(origin, m?, taxonomy, segmenter)
    }

    /// The taxonomy and the segmenter of a model: jieba's dictionary and the rule automata are the slow
    /// parts of start-up, built side by side.
    fn build_parts(
        origin: &Path,
        themes_toml: &str,
        userdict: &str,
        stopwords: &str,
    ) -> (Result<Taxonomy>, Result<Segmenter>) {
        rayon::join(
            || Taxonomy::parse(&origin.join(persist::THEMES_FILE), themes_toml),
            || Segmenter::new(&origin.join(persist::DICT_FILE), userdict, stopwords),
        )
    }

    /// An engine for a verified model; `origin` (its folder) names it in errors.
    fn from_model(origin: &Path, m: persist::ModelDir) -> Result<(Engine, persist::ModelDir)> {
        let (taxonomy, segmenter) =
            Self::build_parts(origin, &m.themes_toml, &m.userdict, &m.stopwords);
        Self::assemble(origin, m, taxonomy, segmenter)
    }

    /// The engine from a verified model and its parts, checking that the taxonomy is the model's.
    fn assemble(
        origin: &Path,
        m: persist::ModelDir,
        taxonomy: Result<Taxonomy>,
        segmenter: Result<Segmenter>,
    ) -> Result<(Engine, persist::ModelDir)> {
        let taxonomy = taxonomy?;
        let ids: Vec<&str> = taxonomy.themes.iter().map(|t| t.id.as_str()).collect();
        if ids
            != m.body
                .theme_ids
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>()
        {
            return Err(crate::error::Error::Model {
                path: origin.to_path_buf(),
                message: "theme ids differ from the taxonomy copy; retrain".into(),
            });
        }
        let segmenter = segmenter?;
        Ok((
            Engine {
                taxonomy,
                segmenter,
                model: Some(m.body.classifier.clone()),
                roles: m.body.roles.clone(),
            },
            m,
        ))
    }

    /// The model's probability of every theme for one statement, its rule hits given to the model as
    /// features; `None` without a model.
    pub fn probabilities(&self, text: &str, tokens: &[String], role: Role) -> Option<Vec<f32>> {
        let model = self.model.as_ref()?;
        let rules: Vec<usize> = self
            .taxonomy
            .rule_hits(text)
            .iter()
            .map(|h| h.theme)
            .collect();
        Some(model_probs(model, text, tokens, role, &rules))
    }

    /// Classifies one statement. Only problem, cause and measure statements are classified.
    pub fn classify(&self, text: &str, tokens: &[String], role: Role) -> Vec<Hit> {
        self.classify_cut(text, tokens, None, role)
    }

    /// [`Engine::classify`] given where each token starts in `text` (as
    /// [`crate::pipeline::statement_tokens_at`] gives them), so that the evidence of a model-only hit needs
    /// no second segmentation of the statement.
    pub fn classify_cut(
        &self,
        text: &str,
        tokens: &[String],
        starts: Option<&[u32]>,
        role: Role,
    ) -> Vec<Hit> {
        if !role.classified() {
            return Vec::new();
        }
        self.classify_ruled(text, tokens, starts, role, &self.taxonomy.rule_hits(text))
    }

    /// [`Engine::classify_cut`] given the statement's rule hits ([`crate::themes::Taxonomy::rule_hits`] of
    /// `text`), so that a batch can find the rule hits of many statements before classifying them.
    pub fn classify_ruled(
        &self,
        text: &str,
        tokens: &[String],
        starts: Option<&[u32]>,
        role: Role,
        rule_hits: &[RuleHit],
    ) -> Vec<Hit> {
        if !role.classified() {
            return Vec::new();
        }
        let rules: Vec<usize> = rule_hits.iter().map(|h| h.theme).collect();
        let mut hits = Vec::new();
        match &self.model {
            Some(model) => {
                let probs = model_probs(model, text, tokens, role, &rules);
                // Each sentence's vector, made once per statement and only if a model-only hit needs it.
                let mut sentence_vectors: Option<Vec<((usize, usize), Sparse)>> = None;
                for t in model.decide(&probs) {
                    let p = probs[t];
                    let rule = rule_hits.iter().find(|h| h.theme == t);
                    let source = if rule.is_some() {
                        HitSource::Both
                    } else {
                        HitSource::Model
                    };
                    let (evidence, cues) = match rule {
                        Some(h) => self.rule_evidence(text, h.span),
                        None => {
                            let sv = sentence_vectors.get_or_insert_with(|| {
                                self.sentence_vectors(model, text, tokens, starts, role, &rules)
                            });
                            model_evidence(model, t, text, sv)
                        }
                    };
                    hits.push(Hit {
                        theme: t,
                        score: p,
                        source,
                        evidence,
                        cues,
                    });
                }
            }
            None => {
                // Rules alone only speak for problems and causes: their patterns assume a problem context.
                if role.raises() {
                    for h in rule_hits {
                        let (evidence, cues) = self.rule_evidence(text, h.span);
                        hits.push(Hit {
                            theme: h.theme,
                            score: 1.0,
                            source: HitSource::Rule,
                            evidence,
                            cues,
                        });
                    }
                }
            }
        }
        hits
    }

    fn rule_evidence(&self, text: &str, span: (usize, usize)) -> ((usize, usize), Vec<String>) {
        let sent = sentences(text)
            .into_iter()
            .find(|&(s, e)| s <= span.0 && span.0 < e)
            .unwrap_or((0, text.len()));
        (
            char_span(text, sent),
            vec![text[span.0..span.1].to_string()],
        )
    }

    /// The vector of each sentence of a statement, from one segmentation of the whole statement (jieba
    /// cuts at sentence punctuation anyway, so a sentence's tokens are the same either way).
    ///
    /// With `starts`, the statement's own tokens (its list marker left out) serve every sentence after the
    /// marker. jieba cuts each run of word characters on its own, so the tokens after the run that goes on
    /// across the marker's end ([`cut_restart`]) are the same whether the marker was cut or not. Only the
    /// text up to there is segmented again, with its marker (up to the first sentence end, in the one case
    /// `cut_restart` leaves open).
    fn sentence_vectors(
        &self,
        model: &Classifier,
        text: &str,
        tokens: &[String],
        starts: Option<&[u32]>,
        role: Role,
        rules: &[usize],
    ) -> Vec<((usize, usize), Sparse)> {
        let spans = sentences(text);
        let all: Vec<(usize, &str)> = match starts {
            Some(starts) if starts.len() == tokens.len() => {
                let skip = crate::structure::markers::at_start(text).map_or(0, |m| m.len);
                let head = if skip == 0 {
                    0
                } else {
                    cut_restart(text, skip).unwrap_or_else(|| {
                        spans
                            .iter()
                            .map(|&(_, e)| e)
                            .find(|&e| e >= skip)
                            .unwrap_or(text.len())
                    })
                };
                let mut all = self.segmenter.tokens_at(&text[..head]);
                all.extend(
                    starts
                        .iter()
                        .zip(tokens)
                        .filter(|(&at, _)| at as usize >= head)
                        .map(|(&at, t)| (at as usize, t.as_str())),
                );
                all
            }
            _ => self.segmenter.tokens_at(text),
        };
        let words: Vec<&str> = all.iter().map(|&(_, t)| t).collect();
        // `all` is in text order: a sentence's tokens are the run from its first token on to the next
        // sentence's (tokens between sentences, if any, are left out).
        let mut i = 0;
        spans
            .into_iter()
            .map(|(s, e)| {
                while all.get(i).is_some_and(|&(at, _)| at < s) {
                    i += 1;
                }
                let first = i;
                while all.get(i).is_some_and(|&(at, _)| at < e) {
                    i += 1;
                }
                let x = model.vocab.transform(&Input {
                    tokens: &words[first..i],
                    text: &text[s..e],
                    role,
                    rules,
                });
                ((s, e), x)
            })
            .collect()
    }
}

/// The sentence that speaks most for a model-only hit, and its strongest words.
fn model_evidence(
    model: &Classifier,
    theme: usize,
    text: &str,
    sentence_vectors: &[((usize, usize), Sparse)],
) -> ((usize, usize), Vec<String>) {
    let tm = &model.themes[theme];
    let mut best: Option<(f32, (usize, usize), &Sparse)> = None;
    for (span, x) in sentence_vectors {
        let p = tm.prob(x);
        if best.as_ref().is_none_or(|b| p > b.0) {
            best = Some((p, *span, x));
        }
    }
    let Some((_, span, x)) = best else {
        return (char_span(text, (0, text.len())), Vec::new());
    };
    // Text features only: their names are the vocabulary's terms, borrowed until the three are chosen.
    let terms = &model.vocab.terms;
    let mut contrib: Vec<(f32, &str)> = x
        .iter()
        .filter(|(id, _)| (*id as usize) < terms.len())
        .filter_map(|&(id, v)| {
            tm.weights
                .binary_search_by_key(&id, |(i, _)| *i)
                .ok()
                .map(|k| (v * tm.weights[k].1, terms[id as usize].as_str()))
        })
        .filter(|(c, _)| *c > 0.0)
        .collect();
    contrib.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let cues = contrib
        .into_iter()
        .map(|(_, n)| n.split_once(':').map_or(n, |(_, w)| w).to_string())
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    (char_span(text, span), cues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_on_chinese_punctuation() {
        let t = "党员老化。经费不足；阵地小";
        let s: Vec<&str> = sentences(t).into_iter().map(|(a, b)| &t[a..b]).collect();
        assert_eq!(s, ["党员老化。", "经费不足；", "阵地小"]);
    }

    /// The evidence from the kept token offsets is the evidence from segmenting the statement again, on
    /// every classified statement of the shipped reports.
    #[test]
    fn a_cut_restarts_where_cut_restart_says() {
        let seg = Segmenter::builtin();
        let pieces = [
            "一是",
            "1.",
            "1、",
            "（一）",
            "(2)",
            "①",
            "党员",
            "老龄化",
            "严重",
            "村",
            "。",
            "，",
            "、",
            " ",
            "\r",
            "\n",
            "\r\n",
            "AB",
            "x",
            "3",
            "%",
            "-",
            "．",
            "㐀",
            "𠀀",
            "﨑",
            "—",
            "：",
        ];
        let mut restarts_inside = 0;
        for text in crate::rng::random_texts(21, &pieces, 12, 3000) {
            let whole = seg.tokens_at(&text);
            for skip in (1..text.len()).filter(|&i| text.is_char_boundary(i)) {
                let Some(b) = cut_restart(&text, skip) else {
                    continue;
                };
                restarts_inside += usize::from(b > skip);
                let mut joined = seg.tokens_at(&text[..b]);
                joined.extend(
                    seg.tokens_at(&text[skip..])
                        .into_iter()
                        .map(|(at, t)| (skip + at, t))
                        .filter(|&(at, _)| at >= b),
                );
                assert_eq!(joined, whole, "{text:?} cut at {skip}, restart {b}");
            }
        }
        assert!(restarts_inside > 1000, "{restarts_inside}");
    }

    #[test]
    fn kept_offsets_give_the_hits_of_a_second_cut() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (engine, _) = Engine::from_model_dir(&root.join("models/default")).unwrap();
        let corpus = crate::corpus::Corpus::load(
            &root.join("corpus"),
            &engine.segmenter,
            engine.roles.as_ref(),
            &Default::default(),
        )
        .unwrap();
        let (mut marked_model_hits, mut hits) = (0, 0);
        for p in &corpus.reports {
            for (i, st, tokens) in p.statements() {
                let fast = engine.classify_cut(&st.text, tokens, Some(&p.starts[i]), st.role);
                let slow = engine.classify(&st.text, tokens, st.role);
                assert_eq!(fast, slow, "{}: {}", p.doc.id, st.text);
                // The shipped model's table-driven scorer gives each theme's own probability, bit for bit.
                let model = engine.model.as_ref().unwrap();
                let x = model.vocab.transform(&Input {
                    tokens,
                    text: &st.text,
                    role: st.role,
                    rules: &[],
                });
                let each: Vec<u32> = model.themes.iter().map(|t| t.prob(&x).to_bits()).collect();
                let all: Vec<u32> = model.probs(&x).iter().map(|p| p.to_bits()).collect();
                assert_eq!(each, all, "{}: {}", p.doc.id, st.text);
                hits += fast.len();
                if crate::structure::markers::at_start(&st.text).is_some() {
                    marked_model_hits +=
                        fast.iter().filter(|h| h.source == HitSource::Model).count();
                }
            }
        }
        assert!(
            hits > 1000 && marked_model_hits > 100,
            "{hits} {marked_model_hits}"
        );
    }
}
