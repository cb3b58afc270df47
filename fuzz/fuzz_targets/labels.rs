//! Arbitrary text as `labels.jsonl`: parsed or refused with line numbers, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static TAXONOMY: OnceLock<shuzhi::themes::Taxonomy> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let taxonomy = TAXONOMY.get_or_init(shuzhi::themes::Taxonomy::builtin);
    let path = std::path::Path::new("labels.jsonl");
    if let Ok(labels) = shuzhi::labels::parse(path, text, taxonomy) {
        for l in &labels {
            assert!(l.line >= 1);
            assert!(!l.text.is_empty());
            // Rule matching on whatever text a labeller wrote.
            let _ = taxonomy.rule_hits(&l.text);
        }
    }
});
