//! Arbitrary bytes as a `.docx`: refused or read, never a panic. Seed the corpus with real .docx files (and
//! their damaged copies) to get past the zip layer quickly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shuzhi::ingest::docx::extract_text(std::io::Cursor::new(data));
});
