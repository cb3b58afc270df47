//! Arbitrary UTF-8 through the structure stage: statement spans are in order, disjoint, inside the text, and
//! their `text` is exactly the characters the span names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let chars: Vec<char> = text.chars().collect();
    let structure = shuzhi::structure::analyze(text);
    let mut prev_end = 0usize;
    for st in structure.statements() {
        assert!(st.start < st.end, "empty span {}..{}", st.start, st.end);
        assert!(st.end <= chars.len(), "span past the end");
        assert!(st.start >= prev_end, "overlap or out of order");
        let slice: String = chars[st.start..st.end].iter().collect();
        assert_eq!(slice, st.text);
        prev_end = st.end;
    }
});
