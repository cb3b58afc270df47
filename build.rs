//! Build script: the default model in `models/default/` is compiled into the binary (see
//! `src/classify/builtin.rs`). Cargo reruns this script, and recompiles the crate, whenever one of the model's
//! files changes, so a retrained `models/default` is what the next build embeds. The checksum recorded in
//! `model.json` is handed to the code for `--version`. So is the digest of the model's body, computed here, so
//! that loading the built-in model compares checksums without hashing 5 MB at every start; everything else
//! about the model is verified when it is loaded.

use sha2::{Digest, Sha256};
use std::path::Path;

const FILES: [&str; 5] = [
    "model.json",
    "themes.toml",
    "userdict.txt",
    "stopwords.txt",
    "MODEL.md",
];

fn main() {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"))
        .join("models")
        .join("default");
    for f in FILES {
        println!("cargo:rerun-if-changed={}", dir.join(f).display());
    }
    println!("cargo:rerun-if-changed=build.rs");
    let model = dir.join("model.json");
    let text = std::fs::read_to_string(&model).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; the default model is built into shuzhi: train it with \
             `shuzhi train --out models/default` first",
            model.display()
        )
    });
    // The envelope starts with {"format":N,"checksum":"sha256:…","body":…}; no JSON parser needed here.
    let checksum = text
        .split_once("\"checksum\":\"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(c, _)| c)
        .filter(|c| c.starts_with("sha256:"))
        .unwrap_or_else(|| panic!("{}: no checksum in the envelope", model.display()));
    println!("cargo:rustc-env=SHUZHI_MODEL_CHECKSUM={checksum}");
    // The body's digest, computed here once instead of at every start. The code uses it only if the body it
    // parses lies exactly at this place; otherwise it hashes the body itself.
    let (start, len, digest) = match body_span(&text) {
        Some((s, e)) => {
            let d: String = Sha256::digest(&text.as_bytes()[s..e])
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            (s, e - s, format!("sha256:{d}"))
        }
        None => (0, 0, String::new()),
    };
    println!("cargo:rustc-env=SHUZHI_MODEL_BODY_START={start}");
    println!("cargo:rustc-env=SHUZHI_MODEL_BODY_LEN={len}");
    println!("cargo:rustc-env=SHUZHI_MODEL_BODY_DIGEST={digest}");
}

/// Where the body of a `model.json` envelope written by `shuzhi train` lies: after `"body":`, up to the
/// closing brace of the envelope.
fn body_span(text: &str) -> Option<(usize, usize)> {
    let start = text.find("\"body\":")? + "\"body\":".len();
    let end = text.trim_end().strip_suffix('}')?.len();
    (start < end).then_some((start, end))
}
