//! ASCII punctuation inside Chinese text → full-width, so cue words and sentence splits see one form.
//!
//! Only marks next to Chinese text change: 「1,000」「10:30」「3.5」 and Latin text keep theirs. One
//! character in, one character out, so offsets do not move.

use super::Buf;
use crate::structure::markers::is_han;

fn cjk_side(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        is_han(c)
            || matches!(
                c,
                '，' | '。' | '；' | '：' | '“' | '”' | '、' | '）' | '（' | '》' | '《'
            )
    })
}

/// The full-width form of an ASCII mark, if it has one we convert.
fn wide(c: char) -> Option<char> {
    Some(match c {
        ',' => '，',
        ';' => '；',
        ':' => '：',
        '(' => '（',
        ')' => '）',
        '?' => '？',
        '!' => '！',
        _ => return None,
    })
}

/// The `)` closing the `(` at `i`, within a short span.
fn close_of(chars: &[char], i: usize) -> Option<usize> {
    chars[i + 1..]
        .iter()
        .take(12)
        .position(|&c| c == ')' || c == '(' || c == '\n')
        .map(|k| i + 1 + k)
        .filter(|&j| chars[j] == ')')
}

/// The `(` opening the `)` at `i`, within a short span.
fn open_of(chars: &[char], i: usize) -> Option<usize> {
    chars[..i]
        .iter()
        .rev()
        .take(12)
        .position(|&c| c == '(' || c == ')' || c == '\n' || c == '（')
        .map(|k| i - 1 - k)
        .filter(|&j| chars[j] == '(' || chars[j] == '（')
}

/// Converts ASCII punctuation next to Chinese text. Returns whether anything changed.
pub(super) fn to_full_width(buf: &mut Buf) -> bool {
    if !buf
        .chars
        .iter()
        .any(|c| matches!(c, ',' | ';' | ':' | '(' | ')' | '?' | '!' | '.'))
    {
        return false;
    }
    let n = buf.len();
    let mut changed = false;
    // Neighbours skip spaces: 「问题 : 一是」.
    let prev = |chars: &[char], i: usize| chars[..i].iter().rev().find(|c| **c != ' ').copied();
    let next = |chars: &[char], i: usize| chars[i + 1..].iter().find(|c| **c != ' ').copied();
    for i in 0..n {
        let c = buf.chars[i];
        let (p, nx) = (prev(&buf.chars, i), next(&buf.chars, i));
        let digit = |x: Option<char>| x.is_some_and(|x| x.is_ascii_digit());
        let to = match c {
            '.' => {
                // A full stop after Chinese text that ends a sentence: 「不足.」 but not 「1.」 or 「3.5」.
                let ends = nx.is_none() || nx == Some('\n') || cjk_side(nx);
                (is_han(p.unwrap_or(' ')) && ends && !digit(nx)).then_some('。')
            }
            // A pair turns together: 「(1)党员」 becomes 「（1）党员」, not 「(1）党员」.
            '(' => match close_of(&buf.chars, i) {
                Some(j) => {
                    (cjk_side(p) || cjk_side(nx) || cjk_side(next(&buf.chars, j))).then_some('（')
                }
                None => (cjk_side(p) || cjk_side(nx)).then_some('（'),
            },
            ')' => match open_of(&buf.chars, i) {
                Some(j) => {
                    (cjk_side(prev(&buf.chars, j)) || cjk_side(next(&buf.chars, j)) || cjk_side(nx))
                        .then_some('）')
                }
                None => (cjk_side(p) || cjk_side(nx)).then_some('）'),
            },
            ',' | ':' if digit(p) && digit(nx) => None,
            c => match wide(c) {
                Some(w) if cjk_side(p) || cjk_side(nx) => Some(w),
                _ => None,
            },
        };
        if let Some(w) = to {
            buf.chars[i] = w;
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(s: &str) -> String {
        let mut b = Buf::from_text(s);
        to_full_width(&mut b);
        b.chars.iter().collect()
    }

    #[test]
    fn converts_next_to_chinese_only() {
        assert_eq!(
            conv("存在的问题:一是党员老化,二是经费不足;"),
            "存在的问题：一是党员老化，二是经费不足；"
        );
        assert_eq!(
            conv("(一)党员老化.全镇1,000名党员,10:30开会"),
            "（一）党员老化。全镇1,000名党员，10:30开会"
        );
        assert_eq!(conv("增长3.5%"), "增长3.5%");
        assert_eq!(conv("1.加强学习"), "1.加强学习");
        assert_eq!(conv("(1)重经营轻党建"), "（1）重经营轻党建");
        assert_eq!(conv("see A, B (c)"), "see A, B (c)");
    }
}
