//! The default model, compiled in from `models/default/` so that an installed `shuzhi` works from any
//! folder. `models/default/` stays the source of truth: `shuzhi train` writes it, and the build script makes
//! cargo rebuild the binary whenever one of its files changes. The copy is verified (format, checksum,
//! shapes, companion hashes) every time it is loaded, like a model folder; only the digest of its body is
//! computed once, by the build script, from the same file.

use super::persist::{self, ModelDir};
use crate::error::Result;
use std::path::Path;

/// How the built-in model is named in messages.
pub const ORIGIN: &str = "<built-in model>";
/// The folder it was copied from at build time (relative to the repository).
pub const SOURCE_DIR: &str = "models/default";
/// Its `model.json`.
pub const MODEL_JSON: &str = include_str!("../../models/default/model.json");
/// Its taxonomy.
pub const THEMES_TOML: &str = include_str!("../../models/default/themes.toml");
/// Its user dictionary.
pub const USERDICT: &str = include_str!("../../models/default/userdict.txt");
/// Its stopword list.
pub const STOPWORDS: &str = include_str!("../../models/default/stopwords.txt");
/// Its model card.
pub const CARD: &str = include_str!("../../models/default/MODEL.md");
/// The checksum recorded in its `model.json` (read by the build script; verified again at load).
pub const CHECKSUM: &str = env!("SHUZHI_MODEL_CHECKSUM");

/// The digest of its body, computed by the build script on the same text.
fn body_digest() -> Option<persist::BodyDigest<'static>> {
    Some(persist::BodyDigest {
        start: env!("SHUZHI_MODEL_BODY_START").parse().ok()?,
        len: env!("SHUZHI_MODEL_BODY_LEN").parse().ok()?,
        checksum: env!("SHUZHI_MODEL_BODY_DIGEST"),
    })
}

/// Loads and verifies the built-in model. Its body's digest comes from the build script (the body is 5 MB,
/// and hashing it was a large part of start-up); format, checksum comparison, shapes and companion hashes
/// are checked here, at every load.
///
/// # Errors
/// [`crate::error::Error::Model`] if the compiled-in copy fails its checks (a build from a damaged
/// `models/default`).
pub fn load() -> Result<ModelDir> {
    persist::from_texts_with_digest(
        Path::new(ORIGIN),
        MODEL_JSON,
        THEMES_TOML,
        USERDICT,
        STOPWORDS,
        body_digest(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_model_loads_and_matches_the_recorded_checksum() {
        let m = load().expect("built-in model");
        assert_eq!(m.checksum, CHECKSUM);
        assert!(!m.body.theme_ids.is_empty());
    }

    #[test]
    fn the_build_time_digest_is_the_digest_of_the_body() {
        let d = body_digest().expect("the build script found the body");
        let body = &MODEL_JSON[d.start..d.start + d.len];
        assert_eq!(
            d.checksum,
            format!("sha256:{}", crate::themes::sha256_hex(body.as_bytes()))
        );
        // Hashing the body at load gives the same model and checksum as the digest.
        let hashed = persist::from_texts(
            Path::new(ORIGIN),
            MODEL_JSON,
            THEMES_TOML,
            USERDICT,
            STOPWORDS,
        )
        .expect("built-in model");
        assert_eq!(hashed.checksum, load().expect("built-in model").checksum);
    }

    #[test]
    fn a_digest_for_another_place_is_not_used() {
        // A damaged copy with the digest of the intact body: the digest does not apply to the damaged text's
        // body (it moved by one byte), so the body is hashed and refused.
        let d = body_digest().expect("the build script found the body");
        let bad = MODEL_JSON.replacen("\"body\":", "\"body\": ", 1);
        let bad = bad.replacen("\"alpha\":", "\"alpha\":1", 1);
        let e = persist::from_texts_with_digest(
            Path::new(ORIGIN),
            &bad,
            THEMES_TOML,
            USERDICT,
            STOPWORDS,
            Some(d),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("checksum"), "{e}");
    }

    #[test]
    fn a_damaged_copy_is_refused() {
        // One digit of the body changed: the checksum no longer matches.
        let at = MODEL_JSON.find("\"alpha\":").expect("a number in the body") + 8;
        let mut bad = MODEL_JSON.to_string();
        let digit = if bad.as_bytes()[at] == b'1' { "2" } else { "1" };
        bad.replace_range(at..at + 1, digit);
        let e = persist::from_texts(Path::new(ORIGIN), &bad, THEMES_TOML, USERDICT, STOPWORDS)
            .unwrap_err()
            .to_string();
        assert!(e.contains(ORIGIN) && e.contains("checksum"), "{e}");
    }
}
