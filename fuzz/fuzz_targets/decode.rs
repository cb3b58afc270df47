//! Arbitrary bytes through the decoder: it may refuse them, it must not panic, and what it accepts must be
//! normalised text that is not blank.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = shuzhi::ingest::decode::decode(data) {
        assert!(!d.text.trim().is_empty());
        assert!(!d.text.contains('\r'));
        assert!(!d.text.contains('\0'));
        // Normalising twice changes nothing.
        assert_eq!(shuzhi::ingest::decode::normalize(&d.text), d.text);
    }
});
