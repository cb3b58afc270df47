//! Enumeration markers: 一、 （一） 1. (1) ① 一是 首先 第一， and where they stand.

#[cfg(test)]
use regex::Regex;
#[cfg(test)]
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

/// The marker patterns, in the order they are tried: the definition [`at_start`] implements.
#[cfg(test)]
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
pub(crate) fn may_open_marker(c: char) -> bool {
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
///
/// A hand-written reading of the patterns in [`START`], tried in the same order with the same result: it
/// is asked at every paragraph and clause start of every report, where running the patterns one by one
/// was a large share of structuring. The test `parser_agrees_with_the_patterns` holds the two together.
pub fn at_start(s: &str) -> Option<Marker> {
    let c = s.chars().next()?;
    if !may_open_marker(c) {
        return None;
    }
    let found = |kind: Kind, num: &str, len: usize| {
        value_of(kind, num).map(|value| Marker { kind, value, len })
    };
    match c {
        '第' => {
            let after = &s['第'.len_utf8()..];
            let n = run(after, is_cn_digit);
            let rest = &after[n..];
            if (1..=3).contains(&chars_in(&after[..n])) && rest.starts_with("部分") {
                let len = s.len() - rest.len() + "部分".len();
                let len = len
                    + run(&s[len..], |c| {
                        "、，,：:．.".contains(c) || c.is_whitespace()
                    });
                return found(Kind::Part, &after[..n], len);
            }
            if (1..=2).contains(&chars_in(&after[..n])) {
                if let Some(sep) = rest.chars().next().filter(|&c| "，,、：:是".contains(c)) {
                    return found(
                        Kind::Diyi,
                        &after[..n],
                        s.len() - rest.len() + sep.len_utf8(),
                    );
                }
            }
            None
        }
        '（' | '(' => {
            let inner = &s[c.len_utf8()..];
            let lead = run(inner, char::is_whitespace);
            let num_at = &inner[lead..];
            let cn = run(num_at, is_cn_digit);
            let digits = run(num_at, is_digit);
            let (kind, n) = if (1..=3).contains(&chars_in(&num_at[..cn])) {
                (Kind::CnParen, cn)
            } else if (1..=2).contains(&chars_in(&num_at[..digits])) {
                (Kind::ArabicParen, digits)
            } else {
                return None;
            };
            let after = &num_at[n..];
            let after = &after[run(after, char::is_whitespace)..];
            found(kind, &num_at[..n], after_close(s, s.len() - after.len())?)
        }
        '①'..='⑳' => {
            let len = c.len_utf8() + run(&s[c.len_utf8()..], char::is_whitespace);
            found(
                Kind::Circled,
                &s[..c.len_utf8()],
                len + one_of(&s[len..], "、，,．."),
            )
        }
        '首' | '其' | '再' | '然' | '最' => {
            let word = ["首先", "其次", "再次", "再者", "然后", "最后"]
                .into_iter()
                .find(|w| s.starts_with(w))?;
            found(
                Kind::Ordinal,
                word,
                word.len() + one_of(&s[word.len()..], "，,、：:"),
            )
        }
        _ if is_digit(c) => {
            let n = run(s, is_digit);
            if chars_in(&s[..n]) > 2 {
                return None;
            }
            if let Some(len) = after_close(s, n) {
                return found(Kind::ArabicParen, &s[..n], len);
            }
            let rest = &s[n..];
            let spaces = run(rest, char::is_whitespace);
            let len = match rest[spaces..].chars().next() {
                Some(c) if "、，,．.".contains(c) => n + spaces + c.len_utf8(),
                _ if spaces > 0 => n + spaces,
                _ => return None,
            };
            let value = value_of(Kind::Arabic, &s[..n])?;
            // 「2023年」「1.5万元」「3个」: a number that runs on is not a list label.
            let after = &s[len..];
            if after.starts_with(|ch: char| ch.is_ascii_digit())
                || (s[n..len].trim().is_empty() && !after.starts_with(is_han))
            {
                return None;
            }
            Some(Marker {
                kind: Kind::Arabic,
                value,
                len,
            })
        }
        _ => {
            // A Chinese numeral: 一是 or 一、
            let n = run(s, is_cn_digit);
            let count = chars_in(&s[..n]);
            let rest = &s[n..];
            if count <= 2 && rest.starts_with('是') {
                return found(Kind::Shi, &s[..n], n + '是'.len_utf8());
            }
            if count > 3 {
                return None;
            }
            let spaces = run(rest, char::is_whitespace);
            let sep = rest[spaces..]
                .chars()
                .next()
                .filter(|&c| "、，,．.:：".contains(c))?;
            found(Kind::Cn, &s[..n], n + spaces + sep.len_utf8())
        }
    }
}

/// The end of a bracketed marker whose closing bracket should stand at byte `at`: after the bracket and
/// the punctuation and spaces that follow it. `None` without the bracket.
fn after_close(s: &str, at: usize) -> Option<usize> {
    let close = s[at..].chars().next().filter(|&c| c == '）' || c == ')')?;
    let end = at + close.len_utf8();
    Some(end + run(&s[end..], |c| "、，,．.".contains(c) || c.is_whitespace()))
}

/// Byte length of the character at the start of `s` if it is one of `set`, else 0.
fn one_of(s: &str, set: &str) -> usize {
    s.chars()
        .next()
        .filter(|&c| set.contains(c))
        .map_or(0, char::len_utf8)
}

/// Byte length of the run of characters at the start of `s` that satisfy `f`.
fn run(s: &str, f: impl Fn(char) -> bool) -> usize {
    s.char_indices()
        .find(|&(_, c)| !f(c))
        .map_or(s.len(), |(i, _)| i)
}

fn chars_in(s: &str) -> usize {
    s.chars().count()
}

fn is_cn_digit(c: char) -> bool {
    "一二三四五六七八九十".contains(c)
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The reference for [`at_start`]: every pattern of [`START`] runs, in order.
#[cfg(test)]
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

/// `char::is_whitespace` without its Unicode table lookup for the characters of Chinese text (no
/// whitespace character lies above U+3000): for loops that read every character of a text.
pub fn is_space(c: char) -> bool {
    (c as u32) <= 0x3000 && c.is_whitespace()
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

    /// The hand-written parser finds exactly what the patterns find: at every character of the shipped
    /// reports and of random strings made of marker characters.
    #[test]
    fn parser_agrees_with_the_patterns() {
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
        // Single characters, and the numerals and words markers are made of, so that long markers occur too.
        let alphabet: Vec<String> =
            "第（(（)）)1２0９一二十〇①⑳⑩首其再然最是先次者后部分、，,.．：:；。 \u{3000}\t党年个5"
                .chars()
                .map(String::from)
                .chain(
                    [
                        "二十三",
                        "十一",
                        "九十九",
                        "一一",
                        "12",
                        "１０",
                        "123",
                        "部分",
                        "首先",
                        "再者",
                    ]
                    .map(String::from),
                )
                .collect();
        let mut rng = crate::rng::SplitMix(7);
        for _ in 0..200_000 {
            let n = 1 + rng.below(7);
            texts.push(
                (0..n)
                    .map(|_| alphabet[rng.below(alphabet.len())].as_str())
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
        assert!(
            positions > 1_000_000 && found > 10_000,
            "{positions} {found}"
        );
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
