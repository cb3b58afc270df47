//! Enumeration markers: 一、 （一） 1. (1) ① 一是 首先 第一， and where they stand.

use regex::Regex;
use std::sync::LazyLock;

/// The kinds of enumeration met in reports, from the outermost level inward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// 第一部分
    Part,
    /// 一、
    Cn,
    /// （一） (一)
    CnParen,
    /// 1. 1、
    Arabic,
    /// （1） (1)
    ArabicParen,
    /// ①
    Circled,
    /// 第一， 第二，
    Diyi,
    /// 一是 二是
    Shi,
    /// 首先 其次 再次 最后
    Ordinal,
    /// An unnumbered heading line.
    Bare,
}

impl Kind {
    /// Kinds that also enumerate inside a paragraph, not only at its start.
    pub fn inline(self) -> bool {
        matches!(
            self,
            Kind::Shi | Kind::Ordinal | Kind::Diyi | Kind::Circled | Kind::ArabicParen
        )
    }

    /// Kinds whose words also occur in running prose: one occurrence alone is no list.
    pub fn needs_two(self) -> bool {
        matches!(self, Kind::Shi | Kind::Ordinal | Kind::Diyi)
    }
}

/// A marker found in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    /// Its kind.
    pub kind: Kind,
    /// Its ordinal value (首先 = 1, 最后 = 99).
    pub value: u32,
    /// Byte length of the marker text (including trailing punctuation).
    pub len: usize,
}

static START: LazyLock<Vec<(Kind, Regex)>> = LazyLock::new(|| {
    let r = |s: &str| Regex::new(s).expect("marker regex");
    vec![
        (
            Kind::Part,
            r(r"^第([一二三四五六七八九十]{1,3})部分[、，,：:．.\s]*"),
        ),
        (
            Kind::CnParen,
            r(r"^[（(]\s*([一二三四五六七八九十]{1,3})\s*[）)][、，,．.\s]*"),
        ),
        (
            Kind::ArabicParen,
            r(r"^(?:[（(]\s*([0-9０-９]{1,2})\s*[）)]|([0-9０-９]{1,2})[）)])[、，,．.\s]*"),
        ),
        (
            Kind::Diyi,
            r(r"^第([一二三四五六七八九十]{1,2})(?:[，,、：:]|是)"),
        ),
        (Kind::Shi, r(r"^([一二三四五六七八九十]{1,2})是")),
        (
            Kind::Cn,
            r(r"^([一二三四五六七八九十]{1,3})\s*[、，,．.:：]"),
        ),
        (
            Kind::Arabic,
            r(r"^([0-9０-９]{1,2})\s*(?:[、，,]|[．.]|\s)"),
        ),
        (Kind::Circled, r(r"^([①-⑳])\s*[、，,．.]?")),
        (
            Kind::Ordinal,
            r(r"^(首先|其次|再次|再者|然后|最后)[，,、：:]?"),
        ),
    ]
});

/// Parses a Chinese numeral of list labels (一 … 九十九).
pub fn cn_value(s: &str) -> Option<u32> {
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', c] => digit(*c).map(|d| 10 + d),
        [a, '十'] => digit(*a).map(|d| d * 10),
        [a, '十', b] => Some(digit(*a)? * 10 + digit(*b)?),
        _ => None,
    }
}

fn value_of(kind: Kind, cap: &str) -> Option<u32> {
    match kind {
        Kind::Arabic | Kind::ArabicParen => {
            let ascii: String = cap
                .chars()
                .map(|c| match c {
                    '０'..='９' => {
                        char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c)
                    }
                    c => c,
                })
                .collect();
            ascii.parse().ok()
        }
        Kind::Circled => cap.chars().next().map(|c| c as u32 - 0x2460 + 1),
        Kind::Ordinal => Some(match cap {
            "首先" => 1,
            "其次" => 2,
            "再次" | "再者" | "然后" => 3,
            _ => 99,
        }),
        _ => cn_value(cap),
    }
}

/// Whether a marker can start with `c`: the first character of every pattern in [`START`]. Most places
/// [`at_start`] is asked about start with none of them, and then no pattern needs to run.
fn may_open_marker(c: char) -> bool {
    matches!(
        c,
        '第' | '（'
            | '('
            | '0'..='9'
            | '０'..='９'
            | '一'
            | '二'
            | '三'
            | '四'
            | '五'
            | '六'
            | '七'
            | '八'
            | '九'
            | '十'
            | '①'..='⑳'
            | '首'
            | '其'
            | '再'
            | '然'
            | '最'
    )
}

/// The marker at the very start of `s` (leading spaces already trimmed), if any.
pub fn at_start(s: &str) -> Option<Marker> {
    if !s.chars().next().is_some_and(may_open_marker) {
        return None;
    }
    at_start_by_patterns(s)
}

/// [`at_start`] without the first-character filter: every pattern runs.
fn at_start_by_patterns(s: &str) -> Option<Marker> {
    for (kind, re) in START.iter() {
        if let Some(c) = re.captures(s) {
            let whole = c.get(0)?;
            let num = c.get(1).or_else(|| c.get(2))?;
            let value = value_of(*kind, num.as_str())?;
            if *kind == Kind::Arabic {
                // 「2023年」「1.5万元」「3个」: a number that runs on is not a list label.
                let rest = &s[whole.end()..];
                let cap_end = num.end();
                let sep = &s[cap_end..whole.end()];
                if rest.starts_with(|ch: char| ch.is_ascii_digit())
                    || (sep.trim().is_empty() && !rest.starts_with(|ch: char| is_han(ch)))
                {
                    continue;
                }
            }
            return Some(Marker {
                kind: *kind,
                value,
                len: whole.end(),
            });
        }
    }
    None
}

/// Whether a character is a CJK ideograph.
pub fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF)
}

/// Inline markers of inline kinds inside `s`: each found at a sentence or clause start (after 。；：，！？ or
/// at the start). Returns (byte offset, marker), in order; the marker at offset 0, if any, is included.
pub fn inline(s: &str) -> Vec<(usize, Marker)> {
    let mut out = Vec::new();
    let mut boundary = true; // at the start, or right after punctuation (spaces skipped)
    let mut strong = true; // after 。；！？ or at the start
    for (i, ch) in s.char_indices() {
        if boundary {
            if let Some(m) = at_start(&s[i..]) {
                let ok = m.kind.inline() && (strong || m.kind != Kind::Ordinal);
                if ok {
                    out.push((i, m));
                }
            }
        }
        match ch {
            '。' | '；' | ';' | '！' | '？' | '!' | '?' => {
                boundary = true;
                strong = true;
            }
            '，' | ',' | '：' | ':' | '、' => {
                boundary = true;
                strong = false;
            }
            ' ' => {}
            _ => {
                boundary = false;
                strong = false;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(s: &str) -> Option<(Kind, u32)> {
        at_start(s).map(|m| (m.kind, m.value))
    }

    #[test]
    fn start_markers() {
        assert_eq!(kind("一、工作成效"), Some((Kind::Cn, 1)));
        assert_eq!(kind("（三）阵地建设滞后。"), Some((Kind::CnParen, 3)));
        assert_eq!(kind("(二)抓机制"), Some((Kind::CnParen, 2)));
        assert_eq!(kind("12.党员"), Some((Kind::Arabic, 12)));
        assert_eq!(kind("３、党员"), Some((Kind::Arabic, 3)));
        assert_eq!(kind("（1）党员"), Some((Kind::ArabicParen, 1)));
        assert_eq!(kind("②党员"), Some((Kind::Circled, 2)));
        assert_eq!(kind("三是督导不严"), Some((Kind::Shi, 3)));
        assert_eq!(kind("其次，方法陈旧"), Some((Kind::Ordinal, 2)));
        assert_eq!(kind("第二，方法陈旧"), Some((Kind::Diyi, 2)));
        assert_eq!(kind("第一部分 成效"), Some((Kind::Part, 1)));
        assert_eq!(kind("十一、其他"), Some((Kind::Cn, 11)));
        assert_eq!(kind("2023年以来"), None);
        assert_eq!(kind("1.5万元"), None);
        assert_eq!(kind("第一书记"), None);
        assert_eq!(kind("十分重视"), None);
    }

    /// The first-character filter never hides a marker: at every character of the shipped reports and of
    /// strings made of marker characters, the filtered and the unfiltered search agree.
    #[test]
    fn first_character_filter_hides_no_marker() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut texts: Vec<String> = Vec::new();
        let mut dirs = vec![root];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "txt") {
                    texts.push(std::fs::read_to_string(p).unwrap_or_default());
                }
            }
        }
        let alphabet: Vec<char> = "第（(（)）1２一十①⑳首其再然最是部分、，.．： 党"
            .chars()
            .collect();
        let mut rng = crate::rng::SplitMix(7);
        for _ in 0..20_000 {
            let n = 1 + rng.below(8);
            texts.push(
                (0..n)
                    .map(|_| alphabet[rng.below(alphabet.len())])
                    .collect(),
            );
        }
        let (mut positions, mut found) = (0, 0);
        for t in &texts {
            for (i, _) in t.char_indices() {
                let s = &t[i..];
                let slow = at_start_by_patterns(s);
                assert_eq!(at_start(s), slow, "{s:?}");
                positions += 1;
                found += usize::from(slow.is_some());
            }
        }
        assert!(positions > 100_000 && found > 1_000, "{positions} {found}");
    }

    #[test]
    fn inline_markers_at_clause_starts() {
        let s = "分析原因，一是精力不足。二是方法陈旧；三是督导不严。";
        let found: Vec<u32> = inline(s).iter().map(|(_, m)| m.value).collect();
        assert_eq!(found, [1, 2, 3]);
        // 「统一是」 is not a marker: no clause start before 一是.
        assert!(inline("思想统一是前提").is_empty());
    }
}
