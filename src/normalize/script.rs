//! Script: pinyin glosses left by converter sites, and traditional → simplified by OpenCC's tables.

use super::Buf;
use crate::structure::markers::is_han;
use ferrous_opencc::config::BuiltinConfig;
use ferrous_opencc::OpenCC;
use std::sync::LazyLock;

/// OpenCC's traditional → simplified converter (phrase and character tables); `None` if it failed to load,
/// in which case texts stay as they are.
static T2S: LazyLock<Option<OpenCC>> =
    LazyLock::new(|| OpenCC::from_config(BuiltinConfig::T2s).ok());

/// First and last character of the main CJK block, the only characters [`TRADITIONAL`] can hold.
const BLOCK: (u32, u32) = (0x4E00, 0x9FFF);

/// A set of characters of the main CJK block, one bit each: asked once per character of every text, so a
/// bit test rather than a hash lookup.
#[derive(Default)]
struct BlockSet {
    bits: Vec<u64>,
}

impl BlockSet {
    fn insert(&mut self, c: char) {
        let i = (c as u32 - BLOCK.0) as usize;
        if self.bits.is_empty() {
            self.bits = vec![0; (BLOCK.1 - BLOCK.0) as usize / 64 + 1];
        }
        self.bits[i / 64] |= 1 << (i % 64);
    }

    fn contains(&self, c: &char) -> bool {
        let Some(i) = (*c as u32).checked_sub(BLOCK.0) else {
            return false;
        };
        let i = i as usize;
        self.bits
            .get(i / 64)
            .is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }
}

/// The characters of the main CJK block that OpenCC changes on their own: a text without any of them needs
/// no conversion (and most texts have none).
static TRADITIONAL: LazyLock<BlockSet> = LazyLock::new(|| {
    let Some(cc) = T2S.as_ref() else {
        return BlockSet::default();
    };
    let block: Vec<char> = (BLOCK.0..=BLOCK.1).filter_map(char::from_u32).collect();
    let mut set = BlockSet::default();
    // One character per line, so no phrase spans two of them.
    let joined: String = block.iter().flat_map(|&c| [c, '\n']).collect();
    let out: Vec<char> = cc.convert(&joined).chars().collect();
    if out.len() == joined.chars().count() {
        for (i, &c) in block.iter().enumerate() {
            if out[2 * i] != c {
                set.insert(c);
            }
        }
    }
    set
});

/// Builds the conversion tables now (so the first document does not wait for them).
pub fn warm_up() {
    LazyLock::force(&TRADITIONAL);
}

fn tone_vowel(c: char) -> bool {
    matches!(
        c,
        'ā' | 'á'
            | 'ǎ'
            | 'à'
            | 'ē'
            | 'é'
            | 'ě'
            | 'è'
            | 'ī'
            | 'í'
            | 'ǐ'
            | 'ì'
            | 'ō'
            | 'ó'
            | 'ǒ'
            | 'ò'
            | 'ū'
            | 'ú'
            | 'ǔ'
            | 'ù'
            | 'ǖ'
            | 'ǘ'
            | 'ǚ'
            | 'ǜ'
    )
}

/// Removes `(zhǎng)` glosses after Han characters. Returns whether any was removed.
pub(super) fn strip_pinyin(buf: &mut Buf) -> bool {
    if !buf.chars.iter().any(|&c| tone_vowel(c)) {
        return false;
    }
    let n = buf.len();
    let mut out = Buf::with_capacity(n);
    let mut i = 0;
    let mut changed = false;
    while i < n {
        let c = buf.chars[i];
        if matches!(c, '(' | '（') && i > 0 && is_han(buf.chars[i - 1]) {
            let mut j = i + 1;
            let mut toned = false;
            while j < n
                && j - i <= 8
                && (buf.chars[j].is_ascii_lowercase()
                    || tone_vowel(buf.chars[j])
                    || buf.chars[j] == 'ü')
            {
                toned |= tone_vowel(buf.chars[j]);
                j += 1;
            }
            if toned && j < n && matches!(buf.chars[j], ')' | '）') {
                i = j + 1;
                changed = true;
                continue;
            }
        }
        out.push(c, buf.orig[i]);
        i += 1;
    }
    if changed {
        *buf = out;
    }
    changed
}

/// Converts traditional characters to simplified, line by line, keeping one output character per input
/// character (a line whose phrase conversion changes its length is converted character by character).
/// Returns whether anything changed.
pub(super) fn to_simplified(buf: &mut Buf) -> bool {
    let trad = &*TRADITIONAL;
    if !buf.chars.iter().any(|c| trad.contains(c)) {
        return false;
    }
    let Some(cc) = T2S.as_ref() else {
        return false;
    };
    let mut changed = false;
    for (s, e) in buf.lines() {
        if !buf.chars[s..e].iter().any(|c| trad.contains(c)) {
            continue;
        }
        let line: String = buf.chars[s..e].iter().collect();
        let conv: Vec<char> = cc.convert(&line).chars().collect();
        if conv.len() == e - s {
            buf.chars[s..e].copy_from_slice(&conv);
        } else {
            for k in s..e {
                if trad.contains(&buf.chars[k]) {
                    let one: Vec<char> = cc.convert(&buf.chars[k].to_string()).chars().collect();
                    if one.len() == 1 {
                        buf.chars[k] = one[0];
                    }
                }
            }
        }
        changed = true;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&mut Buf) -> bool, s: &str) -> (String, bool) {
        let mut b = Buf::from_text(s);
        let changed = f(&mut b);
        (b.chars.iter().collect(), changed)
    }

    #[test]
    fn converts_traditional_and_leaves_simplified() {
        assert_eq!(
            run(to_simplified, "存在的問題：黨員隊伍老化，經費保障不足。"),
            ("存在的问题：党员队伍老化，经费保障不足。".into(), true)
        );
        assert_eq!(
            run(to_simplified, "党员队伍老化，发展后备干部"),
            ("党员队伍老化，发展后备干部".into(), false)
        );
    }

    #[test]
    fn block_set_holds_what_was_inserted_and_nothing_outside_the_block() {
        let mut set = BlockSet::default();
        assert!(!set.contains(&'黨'));
        for c in ['\u{4E00}', '黨', '\u{9FFF}'] {
            set.insert(c);
        }
        for c in ['\u{4E00}', '黨', '\u{9FFF}'] {
            assert!(set.contains(&c), "{c}");
        }
        for c in [
            '\u{4E01}', '党', '\u{9FFE}', '\u{A000}', '\u{3400}', 'a', '。',
        ] {
            assert!(!set.contains(&c), "{c}");
        }
    }

    #[test]
    fn pinyin_only_after_han_and_with_tones() {
        assert_eq!(run(strip_pinyin, "鎮(zhèn)黨委").0, "鎮黨委");
        assert_eq!(run(strip_pinyin, "经费(万元)").0, "经费(万元)");
        assert_eq!(run(strip_pinyin, "App(ā)").0, "App(ā)");
    }
}
