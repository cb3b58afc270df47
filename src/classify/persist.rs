//! Model folders: `model.json` (checksummed), the taxonomy, dictionary and stopwords it was trained with,
//! and `MODEL.md`, the model card. Loading checks format, checksum and the taxonomy/dictionary hashes, so
//! a model never silently answers with a taxonomy it does not know.

use super::model::Classifier;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::themes::sha256_hex;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::BTreeMap;
use std::path::Path;

/// Format version of `model.json`; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;
/// File names inside a model folder.
pub const MODEL_FILE: &str = "model.json";
/// The taxonomy copy.
pub const THEMES_FILE: &str = "themes.toml";
/// The dictionary copy.
pub const DICT_FILE: &str = "userdict.txt";
/// The stopword copy.
pub const STOPWORDS_FILE: &str = "stopwords.txt";

/// Per-theme evaluation figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prf {
    /// Precision.
    pub precision: f64,
    /// Recall.
    pub recall: f64,
    /// F1.
    pub f1: f64,
    /// Gold positives.
    pub support: usize,
}

/// What the model was trained on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// SHA-256 of the labels file.
    pub labels_hash: String,
    /// Years of the training reports.
    pub years: Vec<i32>,
    /// Reports with at least one labelled statement.
    pub reports: usize,
    /// Labelled statements used.
    pub statements: usize,
    /// Positive statements per theme id.
    pub positives: BTreeMap<String, usize>,
}

/// The body of `model.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelBody {
    /// [`FORMAT_VERSION`].
    pub format: u32,
    /// shuzhi version that wrote it.
    pub shuzhi_version: String,
    /// SHA-256 of `themes.toml`.
    pub taxonomy_hash: String,
    /// Theme ids in model order.
    pub theme_ids: Vec<String>,
    /// SHA-256 of the user dictionary.
    pub dict_hash: String,
    /// SHA-256 of the stopword list.
    pub stopwords_hash: String,
    /// Training data.
    pub training: TrainingSummary,
    /// Cross-validated statement-level metrics on the training data, per theme id.
    pub cv_metrics: BTreeMap<String, Prf>,
    /// The classifier.
    pub classifier: Classifier,
    /// The statement-role model (models from before it existed have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<super::roles::RoleModel>,
    /// Cross-validated figures of the role model, per role.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub role_metrics: BTreeMap<String, Prf>,
}

impl ModelBody {
    /// Checks every shape and index the scoring code relies on: one IDF per term, one model per theme
    /// (as many as theme ids and rule indicators), weight ids inside the feature space, sorted, finite
    /// numbers, and the role model's hashed space and class count.
    ///
    /// # Errors
    /// What is wrong, naming the part.
    pub fn validate(&self) -> std::result::Result<(), String> {
        let c = &self.classifier;
        let v = &c.vocab;
        if v.idf.len() != v.terms.len() {
            return Err(format!(
                "{} IDF weights for {} terms",
                v.idf.len(),
                v.terms.len()
            ));
        }
        if let Some(i) = v.idf.iter().position(|x| !x.is_finite()) {
            return Err(format!("IDF weight {i} is not a finite number"));
        }
        let n = self.theme_ids.len();
        if c.themes.len() != n || v.n_themes != n {
            return Err(format!(
                "{n} theme ids, {} theme models, {} rule indicators: they must agree",
                c.themes.len(),
                v.n_themes
            ));
        }
        let dim = v.dim();
        for (t, m) in c.themes.iter().enumerate() {
            let name = &self.theme_ids[t];
            check_weights(&m.weights, dim as u64, &format!("theme {name}"))?;
            if !(m.intercept.is_finite() && m.threshold.is_finite()) {
                return Err(format!(
                    "theme {name}: intercept or threshold is not a finite number"
                ));
            }
        }
        if let Some(r) = &self.roles {
            let classes = super::roles::ROLES.len();
            if !(1..=32).contains(&r.bits) {
                return Err(format!(
                    "role model: {} hash bits (expected 1 to 32)",
                    r.bits
                ));
            }
            if r.ovr.classes.len() != classes || r.support.len() != classes {
                return Err(format!(
                    "role model: {} class models and {} supports for {classes} roles",
                    r.ovr.classes.len(),
                    r.support.len()
                ));
            }
            for (k, m) in r.ovr.classes.iter().enumerate() {
                check_weights(&m.weights, 1u64 << r.bits, &format!("role model class {k}"))?;
                if !m.intercept.is_finite() {
                    return Err(format!("role model class {k}: intercept is not finite"));
                }
            }
        }
        Ok(())
    }
}

/// Weight ids below `dim` and strictly increasing (lookups binary-search them), weights finite.
fn check_weights(w: &[(u32, f32)], dim: u64, what: &str) -> std::result::Result<(), String> {
    for (i, &(id, x)) in w.iter().enumerate() {
        if u64::from(id) >= dim {
            return Err(format!(
                "{what}: weight index {id} outside the {dim} features"
            ));
        }
        if i > 0 && w[i - 1].0 >= id {
            return Err(format!("{what}: weight indices not in increasing order"));
        }
        if !x.is_finite() {
            return Err(format!("{what}: weight {id} is not a finite number"));
        }
    }
    Ok(())
}

#[derive(Serialize, Deserialize)]
struct Envelope<'a> {
    format: u32,
    checksum: String,
    #[serde(borrow)]
    body: &'a RawValue,
}

/// A loaded model folder.
#[derive(Debug, Clone)]
pub struct ModelDir {
    /// The model.
    pub body: ModelBody,
    /// Text of the taxonomy it was trained with.
    pub themes_toml: String,
    /// Text of its user dictionary.
    pub userdict: String,
    /// Text of its stopword list.
    pub stopwords: String,
    /// The checksum of `model.json` (`sha256:…`), which also covers the hashes of the three texts. Set by
    /// [`load`] and [`from_texts`]; [`save`] computes its own.
    pub checksum: String,
}

/// Writes a model folder atomically, file by file: model.json last, so a folder with a model.json is whole.
///
/// # Errors
/// I/O errors naming the file.
pub fn save(dir: &Path, m: &ModelDir, card: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let body = serde_json::to_string(&m.body)
        .map_err(|e| Error::Invalid(format!("serialising model: {e}")))?;
    let checksum = format!("sha256:{}", sha256_hex(body.as_bytes()));
    let raw = RawValue::from_string(body).map_err(|e| Error::Invalid(e.to_string()))?;
    let env = Envelope {
        format: FORMAT_VERSION,
        checksum,
        body: &raw,
    };
    let mut text = serde_json::to_string(&env).map_err(|e| Error::Invalid(e.to_string()))?;
    text.push('\n');
    write_atomic(&dir.join(THEMES_FILE), m.themes_toml.as_bytes())?;
    write_atomic(&dir.join(DICT_FILE), m.userdict.as_bytes())?;
    write_atomic(&dir.join(STOPWORDS_FILE), m.stopwords.as_bytes())?;
    write_atomic(&dir.join("MODEL.md"), card.as_bytes())?;
    write_atomic(&dir.join(MODEL_FILE), text.as_bytes())?;
    Ok(())
}

/// Loads and verifies a model folder.
///
/// # Errors
/// [`Error::Model`] for a missing folder or file, a truncated or edited `model.json` (checksum), another
/// format version, or companion files that no longer match the hashes recorded in the model.
pub fn load(dir: &Path) -> Result<ModelDir> {
    let merr = |message: String| Error::Model {
        path: dir.to_path_buf(),
        message,
    };
    let path = dir.join(MODEL_FILE);
    if !path.is_file() {
        return Err(merr(format!(
            "no {MODEL_FILE} here; train one with `shuzhi train --out {}`",
            dir.display()
        )));
    }
    let text = crate::regular_file::read_to_string(&path)
        .map_err(|e| merr(format!("{MODEL_FILE}: {e}")))?;
    let (body, checksum) = parse_model_json(dir, &text, None)?;
    let read = |name: &str| {
        crate::regular_file::read_to_string(&dir.join(name))
            .map_err(|e| merr(format!("{name}: {e}")))
    };
    check(
        dir,
        ModelDir {
            themes_toml: read(THEMES_FILE)?,
            userdict: read(DICT_FILE)?,
            stopwords: read(STOPWORDS_FILE)?,
            body,
            checksum,
        },
    )
}

/// Verifies a model given as texts (the files of a model folder, e.g. the copy built into the binary);
/// `origin` names it in errors.
///
/// # Errors
/// As [`load`], for everything but missing files.
pub fn from_texts(
    origin: &Path,
    model_json: &str,
    themes_toml: &str,
    userdict: &str,
    stopwords: &str,
) -> Result<ModelDir> {
    from_texts_with_digest(origin, model_json, themes_toml, userdict, stopwords, None)
}

/// The digest of a `model.json` body computed ahead (by the build script, for the built-in model): the byte
/// range of the body in the text it was computed on, and its checksum (`sha256:…`).
#[derive(Debug, Clone, Copy)]
pub struct BodyDigest<'a> {
    /// Byte offset of the body in the text.
    pub start: usize,
    /// Byte length of the body.
    pub len: usize,
    /// Its checksum, in the form `model.json` records.
    pub checksum: &'a str,
}

/// [`from_texts`], with the body's digest computed ahead: used only when the body lies exactly at that
/// range of `model_json`, else the body is hashed as usual. Every other check runs.
///
/// # Errors
/// As [`from_texts`].
pub fn from_texts_with_digest(
    origin: &Path,
    model_json: &str,
    themes_toml: &str,
    userdict: &str,
    stopwords: &str,
    digest: Option<BodyDigest>,
) -> Result<ModelDir> {
    let (body, checksum) = parse_model_json(origin, model_json, digest)?;
    check(
        origin,
        ModelDir {
            body,
            themes_toml: themes_toml.to_string(),
            userdict: userdict.to_string(),
            stopwords: stopwords.to_string(),
            checksum,
        },
    )
}

/// The body of a `model.json` text and its checksum, after checking format and checksum (`digest`: see
/// [`from_texts_with_digest`]).
fn parse_model_json(
    origin: &Path,
    text: &str,
    digest: Option<BodyDigest>,
) -> Result<(ModelBody, String)> {
    let merr = |message: String| Error::Model {
        path: origin.to_path_buf(),
        message,
    };
    let env: Envelope = serde_json::from_str(text)
        .map_err(|e| merr(format!("{MODEL_FILE} is corrupt or truncated ({e})")))?;
    if env.format != FORMAT_VERSION {
        return Err(merr(format!(
            "{MODEL_FILE} has format {}, this shuzhi reads format {FORMAT_VERSION}; retrain with `shuzhi train`",
            env.format
        )));
    }
    let raw = env.body.get();
    // The envelope borrows the body from `text`, so its place there is known.
    let start = (raw.as_ptr() as usize).checked_sub(text.as_ptr() as usize);
    let actual = match digest {
        Some(d) if start == Some(d.start) && raw.len() == d.len && !d.checksum.is_empty() => {
            d.checksum.to_string()
        }
        _ => format!("sha256:{}", sha256_hex(raw.as_bytes())),
    };
    if actual != env.checksum {
        return Err(merr(format!(
            "{MODEL_FILE} fails its checksum (edited or damaged); retrain or restore it"
        )));
    }
    let mut body: ModelBody = serde_json::from_str(env.body.get())
        .map_err(|e| merr(format!("{MODEL_FILE} body does not parse ({e})")))?;
    // The checksum proves the file is as written, not that what was written makes sense: an edited and
    // re-checksummed model must be refused here, not panic or allocate without bound when it scores.
    body.validate()
        .map_err(|e| merr(format!("{MODEL_FILE}: {e}; retrain or restore it")))?;
    body.classifier.vocab.rebuild_index();
    Ok((body, actual))
}

/// Checks the companion texts against the hashes recorded in the model.
fn check(origin: &Path, m: ModelDir) -> Result<ModelDir> {
    let merr = |message: String| Error::Model {
        path: origin.to_path_buf(),
        message,
    };
    for (name, text, hash) in [
        (THEMES_FILE, &m.themes_toml, &m.body.taxonomy_hash),
        (DICT_FILE, &m.userdict, &m.body.dict_hash),
        (STOPWORDS_FILE, &m.stopwords, &m.body.stopwords_hash),
    ] {
        if &sha256_hex(text.as_bytes()) != hash {
            return Err(merr(format!(
                "{name} was changed after training; retrain with `shuzhi train`"
            )));
        }
    }
    Ok(m)
}
