//! Line repairs: drop what is not the report (page numbers, site boilerplate, a table of contents, running
//! titles), join hard-wrapped lines, and split flattened lines at headings and list markers.

use super::{Buf, Step};
use crate::structure::markers::{self, is_han, is_space, Kind, Marker};
use crate::structure::roles;
use regex::Regex;
use std::sync::LazyLock;

/// One line: its characters with origins, and the origin of the newline after it.
#[derive(Debug, Clone)]
struct Line {
    chars: Vec<char>,
    orig: Vec<u32>,
    newline: Option<u32>,
}

impl Line {
    fn text(&self) -> String {
        self.chars.iter().collect()
    }

    fn first(&self) -> Option<char> {
        self.chars.iter().find(|c| !is_space(**c)).copied()
    }

    fn len(&self) -> usize {
        self.chars.iter().filter(|c| !is_space(**c)).count()
    }

    fn is_blank(&self) -> bool {
        self.chars.iter().all(|c| is_space(*c))
    }

    fn last(&self) -> Option<char> {
        self.chars.iter().rev().find(|c| !is_space(**c)).copied()
    }
}

fn re(s: &str) -> Regex {
    Regex::new(s).expect("line regex")
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:[-—–_－~·•\s]*\d{1,3}[-—–_－~·•\s]*",
        r"|第\s*\d{1,3}\s*页(?:\s*[/，,、]?\s*共\s*\d{1,3}\s*页)?",
        r"|共\s*\d{1,3}\s*页\s*第\s*\d{1,3}\s*页",
        r"|\d{1,3}\s*/\s*\d{1,3}",
        r"|(?i:page)\s*\d{1,3}(?:\s*(?i:of)\s*\d{1,3})?)$"
    ))
});

/// Lines that belong to a web page or viewer, not to the report. Anchored or specific enough not to hit a
/// report's own sentences (「推行扫码亮身份」 stays). In two parts: the labels that open such a line
/// ([`BOILERPLATE_START`]) are only looked for at its start, and their common words (时间, 更多, 编辑) are not
/// sought all through every short line.
const BOILERPLATE_START_PATTERN: &str = concat!(
    r"^(?:来源|文章来源|信息来源|发布时间|发布日期|发布者|浏览次数|阅读次数|阅读量|点击数|点击次数|责任编辑|编辑|作者|字号|字体|时间|日期|分类|标签|关键词|所属栏目|栏目)\s*[：:]",
    r"|^(?:上一篇|下一篇|上一页|下一页|返回顶部|返回首页|返回列表|相关推荐|相关文章|热门文章|推荐阅读|猜你喜欢|更多)",
);
const BOILERPLATE_PATTERN: &str = concat!(
    r"打印本页|关闭窗口|【\s*字体|字体\s*[：:]?\s*[【\[]?\s*大\s*[】\]]?\s*[【\[]?\s*中|扫码关注|扫一扫|长按识别|分享到|一键分享",
    r"|点击下载|下载全文|全文下载|下载文档|下载本文|下载地址|立即下载|阅读全文|展开全文|VIP|会员专享",
    r"|版权所有|版权归|Copyright|©|ICP备|免责声明|侵权|联系删除|转载请注明|本文由.{0,20}(?:整理|发布|提供|上传)",
    r"|https?://|www\.[A-Za-z0-9-]",
    r"|(?:点赞|在看|转发|收藏|关注).{0,8}(?:点赞|在看|转发|收藏|关注)",
);
static BOILERPLATE_START: LazyLock<Regex> = LazyLock::new(|| re(BOILERPLATE_START_PATTERN));
static BOILERPLATE: LazyLock<Regex> = LazyLock::new(|| re(BOILERPLATE_PATTERN));

/// Noise copied into the flow of a flattened line: a page number between spaces or after a sentence end
/// (「。 -1- 二、」「。·2·」), and a bracketed advert that runs to its call to action or the next space.
static INLINE_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?:^|\s|[。！？；：])(?P<n>[-—－–·]\s?\d{1,3}\s?[-—－–·])",
        r"|(?P<p>[（(]?第\s?\d{1,3}\s?页(?:\s?[/／，,]?\s?共\s?\d{1,3}\s?页)?[）)]?)",
        r"|(?P<a>[【\[（(]\s*(?:广告|推广|推荐|赞助)\s*[】\]）)](?:[^【]{0,60}?(?:>>|》》|→)|[^【\s]{0,60}?(?:\s|$)))",
    ))
});

/// Whether a trimmed line starting with `c` can be a [`PAGE_NUMBER`]: each of its forms starts with a
/// dash, a digit, 第, 共 or page. Most lines start otherwise, and then that regex need not run.
fn may_open_page_number(c: char) -> bool {
    matches!(
        c,
        '-' | '—' | '–' | '_' | '－' | '~' | '·' | '•' | '第' | '共' | 'p' | 'P'
    ) || c.is_numeric()
}

/// Long lines are report text even when they mention a site (a report may cite one).
const MAX_NOISE_CHARS: usize = 60;

fn is_noise(line: &Line) -> bool {
    let c = &line.chars;
    let lead = c.iter().take_while(|x| is_space(**x)).count();
    let trail = c[lead..].iter().rev().take_while(|x| is_space(**x)).count();
    let n = c.len() - lead - trail;
    let page = n > 0 && may_open_page_number(c[lead]);
    // Only a page number can be longer than a boilerplate line, and only a line that starts like one.
    if n == 0 || (n > MAX_NOISE_CHARS && !page) {
        return false;
    }
    let t: String = c[lead..c.len() - trail].iter().collect();
    (page && PAGE_NUMBER.is_match(&t))
        || (n <= MAX_NOISE_CHARS && (BOILERPLATE_START.is_match(&t) || BOILERPLATE.is_match(&t)))
}

/// A line's text for comparing titles and contents entries: no spaces, no trailing dot leaders or page
/// numbers.
fn key(line: &Line) -> String {
    let t: String = line.chars.iter().filter(|c| !is_space(**c)).collect();
    t.trim_end_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '…' | '·' | '-' | '—'))
        .to_string()
}

fn terminal(c: char) -> bool {
    matches!(
        c,
        '。' | '！' | '？' | '；' | '：' | '”' | '…' | '」' | '』'
    )
}

/// The marker at the start of `text` if it starts a heading or an item on its own line (inline kinds such
/// as 一是 may start a wrapped line mid-paragraph).
fn block_marker(text: &str) -> Option<Marker> {
    let t = text.trim_start();
    markers::at_start(t).filter(|m| opens_block(t, m))
}

/// Whether marker `m` at the start of `t` opens a block.
fn opens_block(t: &str, m: &Marker) -> bool {
    // 「七，后继乏人」 continues a sentence; a heading numeral takes 、 or ．.
    let comma = m.kind == Kind::Cn && t[..m.len].contains(['，', ',', '：', ':']);
    (!m.kind.inline() || m.kind == Kind::Circled) && !comma
}

fn starts_block(text: &str) -> bool {
    block_marker(text).is_some()
}

/// Applies every line repair; returns the steps that changed something.
pub(super) fn repair(buf: &mut Buf) -> Vec<Step> {
    let mut lines = split(buf);
    let mut steps = Vec::new();
    let before = lines.len();
    lines.retain(|l| !is_noise(l));
    if lines.len() < before {
        steps.push(Step::Noise);
    }
    if drop_contents(&mut lines) {
        steps.push(Step::Contents);
    }
    if drop_repeated_title(&mut lines) {
        steps.push(Step::RepeatedTitle);
    }
    if unwrap(&mut lines) {
        steps.push(Step::Unwrapped);
    }
    if strip_inline_noise(&mut lines) && !steps.contains(&Step::Noise) {
        steps.push(Step::Noise);
    }
    // A second pass splits the heading and body that the first left together on a piece.
    // A line that no split made gives the same breaks again, so the second pass reads only the pieces.
    let pieces = split_flattened(&mut lines, None);
    if !pieces.is_empty() {
        split_flattened(&mut lines, Some(&pieces));
        steps.push(Step::Split);
    }
    if !steps.is_empty() {
        *buf = join(lines);
    }
    steps
}

fn split(buf: &Buf) -> Vec<Line> {
    let mut out = Vec::new();
    let mut s = 0;
    for (i, &c) in buf.chars.iter().enumerate() {
        if c == '\n' {
            out.push(Line {
                chars: buf.chars[s..i].to_vec(),
                orig: buf.orig[s..i].to_vec(),
                newline: Some(buf.orig[i]),
            });
            s = i + 1;
        }
    }
    if s < buf.chars.len() {
        out.push(Line {
            chars: buf.chars[s..].to_vec(),
            orig: buf.orig[s..].to_vec(),
            newline: None,
        });
    }
    out
}

fn join(lines: Vec<Line>) -> Buf {
    let mut out = Buf::with_capacity(lines.iter().map(|l| l.chars.len() + 1).sum());
    let n = lines.len();
    for (i, l) in lines.into_iter().enumerate() {
        for (c, o) in l.chars.into_iter().zip(l.orig) {
            out.push(c, o);
        }
        match l.newline {
            Some(o) => out.push('\n', o),
            // A line made by a split has no newline of its own; give it one at its end's origin.
            None if i + 1 < n => {
                let o = out.orig.last().copied().unwrap_or(0);
                out.push('\n', o);
            }
            None => {}
        }
    }
    out
}

/// Drops a 目录 line and the entries after it that come again later as headings.
fn drop_contents(lines: &mut Vec<Line>) -> bool {
    let Some(at) = lines
        .iter()
        .take(40)
        .position(|l| l.chars.contains(&'目') && key(l) == "目录")
    else {
        return false;
    };
    let mut end = at + 1;
    while end < lines.len() && end - at <= 40 {
        let l = &lines[end];
        if l.is_blank() {
            end += 1;
            continue;
        }
        let k = key(l);
        let short = k.chars().count() <= 40 && !k.contains('。');
        let again = lines[end + 1..].iter().any(|m| key(m) == k);
        if short && again {
            end += 1;
        } else {
            break;
        }
    }
    if end == at + 1 {
        return false;
    }
    lines.drain(at..end);
    true
}

/// Drops later lines that repeat the title (running page headers of a converted file).
fn drop_repeated_title(lines: &mut Vec<Line>) -> bool {
    let Some(first) = lines.iter().position(|l| !l.is_blank()) else {
        return false;
    };
    let title = key(&lines[first]);
    let n = title.chars().count();
    if !(8..=60).contains(&n) || title.ends_with('。') {
        return false;
    }
    let before = lines.len();
    // A line's key starts with its first non-space character: only a line that starts like the title can
    // repeat it.
    let lead = title.chars().next();
    let mut i = first + 1;
    while i < lines.len() {
        if lines[i].first() == lead && key(&lines[i]) == title {
            lines.remove(i);
        } else {
            i += 1;
        }
    }
    lines.len() < before
}

/// The wrap width of a hard-wrapped text, if it is one: most long lines stop mid-sentence at about the
/// same length.
fn wrap_width(lines: &[Line]) -> Option<usize> {
    let long: Vec<&Line> = lines.iter().filter(|l| l.len() >= 16).collect();
    let mut open: Vec<usize> = long
        .iter()
        .filter(|l| l.last().is_some_and(|c| !terminal(c)))
        .map(|l| l.len())
        .collect();
    if open.len() < 3 || open.len() * 4 < long.len() {
        return None;
    }
    open.sort_unstable();
    let w = open[open.len() / 2];
    // Wrapped lines stop at nearly the same length; headings and the odd long line do not.
    let near = open.iter().filter(|&&n| n + 3 >= w && n <= w + 3).count();
    if near * 10 < open.len() * 7 {
        return None;
    }
    // Wrapped lines are short: a page of flattened paragraphs is not wrapped.
    (w <= 100).then_some(w)
}

/// Joins hard-wrapped lines back into paragraphs. Returns whether it joined any.
fn unwrap(lines: &mut Vec<Line>) -> bool {
    let Some(w) = wrap_width(lines) else {
        return false;
    };
    let full = w * 3 / 4;
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    let mut joined = false;
    for l in lines.drain(..) {
        if let Some(prev) = out.last_mut() {
            let cont = !l.is_blank()
                && !starts_block(&l.text())
                && prev.last().is_some_and(|c| {
                    !terminal(c) && (prev.len() >= full || matches!(c, '，' | '、' | ',' | '（'))
                });
            if cont {
                // Latin words on both sides of the break keep a space.
                let ascii = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
                let first = l.chars.iter().find(|c| !is_space(**c)).copied();
                if ascii(prev.last()) && ascii(first) {
                    prev.chars.push(' ');
                    prev.orig.push(prev.newline.unwrap_or(0));
                }
                let skip = l.chars.iter().take_while(|c| is_space(**c)).count();
                prev.chars.extend_from_slice(&l.chars[skip..]);
                prev.orig.extend_from_slice(&l.orig[skip..]);
                prev.newline = l.newline;
                joined = true;
                continue;
            }
        }
        out.push(l);
    }
    *lines = out;
    joined
}

/// A line this long holds several paragraphs run together.
const FLAT_CHARS: usize = 300;

/// Where a flattened line breaks: before a heading or item marker that follows a sentence end or a space,
/// at a space between two pieces of Chinese text, and after a heading run into its body with spaces.
fn breaks(l: &Line) -> Vec<(usize, bool)> {
    let c = &l.chars;
    let n = c.len();
    let mut out = Vec::new();
    let cjk = |x: char| {
        is_han(x)
            || matches!(
                x,
                '。' | '，'
                    | '；'
                    | '：'
                    | '！'
                    | '？'
                    | '）'
                    | '”'
                    | '、'
                    | '（'
                    | '“'
                    | '《'
                    | '【'
            )
    };
    let flat = l.len() >= FLAT_CHARS;
    // Every break inside this loop needs a flattened line.
    let mut i = if flat { 0 } else { n };
    while i < n {
        if is_space(c[i]) {
            let s = i;
            while i < n && is_space(c[i]) {
                i += 1;
            }
            let before = c[..s].iter().rev().find(|x| !is_space(**x));
            if flat
                && s > 0
                && i < n
                // 「目标, 街道」 typed with a space after the comma is one sentence, not two lines.
                && before.is_some_and(|&b| cjk(b) && !matches!(b, '，' | '、' | '；' | '：'))
                && (cjk(c[i])
                    // A marker opens with one of a few characters: the rest of the line is only read
                    // behind one.
                    || (markers::may_open_marker(c[i])
                        && starts_block(&c[i..].iter().collect::<String>())))
            {
                out.push((s, true));
            }
            continue;
        }
        if flat
            && i > 0
            && (is_han(c[i])
                || matches!(c[i], '（' | '(' | '①'..='⑳' | '第' | '0'..='9' | '０'..='９'))
        {
            // A page number copied into the flow (「。·1·二、」) sits between a sentence end and a heading.
            let before = &c[..i - page_tail(&c[..i])];
            let prev = before.iter().rev().find(|x| !is_space(**x)).copied();
            if prev.is_some_and(|p| matches!(p, '。' | '！' | '？' | '；' | '：')) {
                let rest: String = c[i..n.min(i + 12)].iter().collect();
                if let Some(m) = block_marker(&rest) {
                    out.push((i, false));
                    // 「三、存在问题1、……」: the heading after the marker runs into the first item.
                    let after = i + rest[..m.len].chars().count();
                    if let Some(j) = run_in_heading(c, after, false) {
                        out.push((j, false));
                        i = j;
                        continue;
                    }
                } else if let Some(j) = run_in_heading(c, i, true) {
                    // 「。存在的问题1、全村党员……」: text flattened without any separator.
                    out.push((i, false));
                    out.push((j, false));
                    i = j;
                    continue;
                }
            }
        }
        i += 1;
    }
    if !flat {
        // 「二、存在的问题  全镇党员……」: a short heading and its body on one line.
        let lead_chars = c.iter().take_while(|x| is_space(**x)).count();
        if let Some(sp) = c.iter().skip(lead_chars).position(|x| is_space(*x)) {
            let at = lead_chars + sp;
            let head: String = c[lead_chars..at].iter().collect();
            let body: String = c[at..].iter().collect();
            let body = body.trim();
            let body_marker = markers::at_start(&head).map_or(0, |m| head[..m.len].chars().count());
            let title_han = head
                .chars()
                .skip(body_marker)
                .filter(|&x| is_han(x))
                .count();
            let heading_like = (2..=24).contains(&title_han)
                && !head.contains(['。', '，', '；', ',', ';'])
                && (body_marker > 0 || !body.is_empty());
            if heading_like && body.chars().count() >= 12 && body.chars().next().is_some_and(cjk) {
                out.push((at, true));
            }
        }
    }
    out
}

/// A section heading run into the list that follows it, at `i` in a flattened line: a short run of Chinese
/// characters that announces a role (存在的问题, 下一步打算, 原因分析) directly followed by an item marker.
/// Returns where the marker starts; with `bare`, also where a heading without a marker ends.
fn run_in_heading(c: &[char], i: usize, bare: bool) -> Option<usize> {
    const MAX_HEADING: usize = 16;
    let end = c.len().min(i + MAX_HEADING + 1);
    let han_end = (i..end).find(|&j| !is_han(c[j])).unwrap_or(end);
    let heading = |k: usize| roles::heading_role(&c[i..k].iter().collect::<String>()).is_some();
    let before_marker = (i + 2..=han_end.min(end - 1)).find(|&k| {
        if !markers::may_open_marker(c[k]) {
            return false;
        }
        let rest: String = c[k..c.len().min(k + 12)].iter().collect();
        markers::at_start(&rest).is_some_and(|m| m.kind.inline() || opens_block(&rest, &m))
            && heading(k)
    });
    // 「存在的主要问题社区……」: no marker; the heading ends at a word that closes section headings, and
    // what follows is not the rest of a sentence (「存在的主要问题是……」).
    before_marker.or_else(|| {
        if !bare {
            return None;
        }
        (i + 4..han_end.min(end)).find(|&k| {
            if !bare_heading_end(c[k - 1]) {
                return false;
            }
            let head: String = c[i..k].iter().collect();
            HEADING_BARE.is_match(&head)
                && !matches!(
                    c[k],
                    '是' | '有'
                        | '在'
                        | '为'
                        | '的'
                        | '和'
                        | '及'
                        | '与'
                        | '主'
                        | '方'
                        | '上'
                        | '中'
                )
                && heading(k)
        })
    })
}

/// A section heading that can stand without a marker: it opens and closes with section words
/// (存在的主要问题, 原因分析, 下一步打算), unlike a subject run into its sentence (社工队伍留不住人的问题越来越…).
static HEADING_BARE: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"^(?:存在|主要|突出|当前|目前|问题|不足|差距|短板|原因|深层|产生|下一步|今后|明年|来年|对策|意见|几点|相关|工作|整改|查摆|反思|剖析|根源)",
        r".{0,10}(?:问题|不足|短板|差距|弱项|原因|根源|分析|打算|建议)$"
    ))
});

/// Whether `c` can end a match of [`HEADING_BARE`] (the last character of one of its closing words).
fn bare_heading_end(c: char) -> bool {
    matches!(
        c,
        '题' | '足' | '板' | '距' | '项' | '因' | '源' | '析' | '算' | '议'
    )
}

/// The length of a page number at the end of `c` that follows a sentence end: 「。·1·」「。- 2 -」「。—3—」.
fn page_tail(c: &[char]) -> usize {
    let dash = |x: char| matches!(x, '·' | '-' | '—' | '－' | '–');
    let mut k = c.len();
    let skip_space = |k: &mut usize| {
        while *k > 0 && c[*k - 1] == ' ' {
            *k -= 1;
        }
    };
    skip_space(&mut k);
    if k == 0 || !dash(c[k - 1]) {
        return 0;
    }
    while k > 0 && dash(c[k - 1]) {
        k -= 1;
    }
    skip_space(&mut k);
    let digits_end = k;
    while k > 0 && c[k - 1].is_ascii_digit() {
        k -= 1;
    }
    if k == digits_end || digits_end - k > 3 {
        return 0;
    }
    skip_space(&mut k);
    if k == 0 || !dash(c[k - 1]) {
        return 0;
    }
    while k > 0 && dash(c[k - 1]) {
        k -= 1;
    }
    if k > 0 && matches!(c[k - 1], '。' | '！' | '？' | '；' | '：') {
        c.len() - k
    } else {
        0
    }
}

/// Removes page numbers and adverts from the flow of flattened lines. Returns whether it removed any.
fn strip_inline_noise(lines: &mut [Line]) -> bool {
    let mut changed = false;
    for l in lines.iter_mut().filter(|l| l.len() >= FLAT_CHARS) {
        let text = l.text();
        let mut cut = vec![false; l.chars.len()];
        let mut any = false;
        for c in INLINE_NOISE.captures_iter(&text) {
            if let Some(m) = c.name("n").or_else(|| c.name("p")).or_else(|| c.name("a")) {
                let a = text[..m.start()].chars().count();
                let b = a + m.as_str().chars().count();
                cut[a..b].iter_mut().for_each(|x| *x = true);
                any = true;
            }
        }
        if any {
            let keep: Vec<usize> = (0..l.chars.len()).filter(|&i| !cut[i]).collect();
            l.chars = keep.iter().map(|&i| l.chars[i]).collect();
            l.orig = keep.iter().map(|&i| l.orig[i]).collect();
            changed = true;
        }
    }
    changed
}

/// Splits flattened lines into paragraphs, reading only the lines marked in `only` (all when `None`).
/// Returns, for each resulting line, whether a split made it; empty when it split none.
fn split_flattened(lines: &mut Vec<Line>, only: Option<&[bool]>) -> Vec<bool> {
    let cuts: Vec<Vec<(usize, bool)>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if only.is_none_or(|o| o[i]) {
                breaks(l)
            } else {
                Vec::new()
            }
        })
        .collect();
    if cuts.iter().all(Vec::is_empty) {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(lines.len());
    let mut pieces = Vec::with_capacity(lines.len());
    for (l, cuts) in lines.drain(..).zip(cuts) {
        if cuts.is_empty() {
            out.push(l);
            pieces.push(false);
            continue;
        }
        let mut start = 0;
        for (at, replace_space) in cuts {
            let end = at - page_tail(&l.chars[start..at]);
            out.push(Line {
                chars: l.chars[start..end].to_vec(),
                orig: l.orig[start..end].to_vec(),
                newline: replace_space.then(|| l.orig[at]),
            });
            pieces.push(true);
            start = if replace_space { at + 1 } else { at };
        }
        out.push(Line {
            chars: l.chars[start..].to_vec(),
            orig: l.orig[start..].to_vec(),
            newline: l.newline,
        });
        pieces.push(true);
    }
    *lines = out;
    pieces
}

#[cfg(test)]
mod tests {
    use super::super::normalize;
    use super::super::Step;
    use crate::structure::markers::is_space;

    #[test]
    fn boilerplate_in_two_parts_is_the_one_pattern() {
        use super::{
            BOILERPLATE, BOILERPLATE_PATTERN, BOILERPLATE_START, BOILERPLATE_START_PATTERN,
        };
        let one = regex::Regex::new(&format!(
            "{BOILERPLATE_START_PATTERN}|{BOILERPLATE_PATTERN}"
        ))
        .unwrap();
        let pieces: Vec<&str> = "来源 ： : 时间 更多 编辑 党员 下一篇 关注 转发 字体 大 中 【 】 本文由 发布 www. x https:// 2024 © 的 ，"
            .split(' ')
            .collect();
        let mut hits = 0;
        for t in crate::rng::random_texts(35, &pieces, 8, 20000) {
            let two = BOILERPLATE_START.is_match(&t) || BOILERPLATE.is_match(&t);
            assert_eq!(two, one.is_match(&t), "{t}");
            hits += usize::from(two);
        }
        assert!(hits > 2000, "{hits}");
    }

    #[test]
    fn is_space_is_is_whitespace() {
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(is_space(c), c.is_whitespace(), "{:X}", c as u32);
        }
    }

    #[test]
    fn noise_lines_go() {
        let t = "关于2023年度抓党建工作的述职报告\n来源：某某网 发布时间：2024-01-05\n一、存在的问题\n— 3 —\n党员队伍老化。\n上一篇：某文\n第2页 共5页\n推行扫码亮身份，党员亮出承诺。\n";
        let n = normalize(t);
        assert_eq!(
            n.text,
            "关于2023年度抓党建工作的述职报告\n一、存在的问题\n党员队伍老化。\n推行扫码亮身份，党员亮出承诺。\n"
        );
        assert_eq!(n.steps, [Step::Noise]);
    }

    #[test]
    fn contents_and_running_titles_go() {
        let t = "某镇党委书记述职报告\n目录\n一、工作成效……1\n二、存在问题……3\n一、工作成效\n全年发展党员5名。\n某镇党委书记述职报告\n二、存在问题\n经费不足。\n";
        let n = normalize(t);
        assert_eq!(
            n.text,
            "某镇党委书记述职报告\n一、工作成效\n全年发展党员5名。\n二、存在问题\n经费不足。\n"
        );
        assert_eq!(n.steps, [Step::Contents, Step::RepeatedTitle]);
    }

    #[test]
    fn hard_wrapped_lines_join() {
        let t = "二、存在的问题\n一是党员队伍老化，全镇农村党员平均年龄已经达\n到五十八岁，三十五岁以下的青年党员只占百分之\n七，后继乏人的情况比较突出。\n二是部分村集体经济薄弱，没有稳定的经营性收入\n来源，村级组织运转主要依靠上级转移支付,\n办事能力受到很大限制。\n三、下一步打算\n";
        let n = normalize(t);
        assert_eq!(
            n.text,
            "二、存在的问题\n一是党员队伍老化，全镇农村党员平均年龄已经达到五十八岁，三十五岁以下的青年党员只占百分之七，后继乏人的情况比较突出。\n二是部分村集体经济薄弱，没有稳定的经营性收入来源，村级组织运转主要依靠上级转移支付，办事能力受到很大限制。\n三、下一步打算\n"
        );
        assert!(n.steps.contains(&Step::Unwrapped));
        // Every character still points at its place in the input.
        let i = n.text.chars().position(|c| c == '到').unwrap();
        assert_eq!(t.chars().nth(n.origin_of(i)), Some('到'));
    }

    #[test]
    fn ordinary_reports_are_not_unwrapped() {
        let t = "一、工作成效\n（一）强化责任。全年召开党建专题会议12次，研究解决问题20个。\n（二）建强队伍。发展党员8名。\n二、存在的问题\n（一）党员队伍老化\n全镇党员平均年龄58岁。\n";
        assert!(normalize(t).steps.is_empty());
    }

    #[test]
    fn flattened_text_splits_at_headings() {
        let body = "全镇党员平均年龄达到五十八岁，青年党员少，发展党员工作推进缓慢，部分村连续三年没有发展党员。";
        let t = format!(
            "某镇述职报告 一、工作成效 全年发展党员5名，新建党群服务中心两个，{body}{body} 二、存在的问题 （一）党员队伍老化。{body}（二）经费不足。{body}{body} 三、下一步打算 加强队伍建设。\n"
        );
        let n = normalize(&t);
        let lines: Vec<&str> = n.text.lines().collect();
        assert!(lines.contains(&"二、存在的问题"), "{lines:#?}");
        assert!(
            lines.iter().any(|l| l.starts_with("（二）经费不足")),
            "{lines:#?}"
        );
        assert!(lines.contains(&"三、下一步打算"), "{lines:#?}");
        assert!(n.steps.contains(&Step::Split));
    }

    #[test]
    fn heading_and_body_on_one_line_split() {
        let n = normalize("二、存在的问题   全镇党员平均年龄偏大，青年党员少。\n");
        assert_eq!(
            n.text,
            "二、存在的问题\n  全镇党员平均年龄偏大，青年党员少。\n"
        );
    }

    /// Filler long enough to make a line read as flattened.
    fn filler() -> String {
        "村里组织党员开展志愿服务，帮助群众解决出行难、看病难等实际问题，群众满意度逐年提高。"
            .repeat(8)
    }

    #[test]
    fn text_flattened_without_separators_splits_at_headings_and_items() {
        let t = format!(
            "{}存在的问题1、党员年龄偏大，六十岁以上的占一半。2、经费保障不足。三、存在问题（一）后备力量缺乏。下一步打算一是抓好队伍。\n",
            filler()
        );
        let n = normalize(&t);
        let lines: Vec<&str> = n.text.lines().collect();
        for want in [
            "存在的问题",
            "1、党员年龄偏大，六十岁以上的占一半。",
            "2、经费保障不足。",
            "三、存在问题",
            "（一）后备力量缺乏。",
            "下一步打算",
        ] {
            assert!(lines.contains(&want), "{want}: {lines:#?}");
        }
    }

    #[test]
    fn a_bare_heading_splits_only_when_it_reads_as_a_heading() {
        let t = format!(
            "{}存在的主要问题社区工作者人手紧张。社工队伍留不住人的问题越来越突出。\n",
            filler()
        );
        let n = normalize(&t);
        let lines: Vec<&str> = n.text.lines().collect();
        assert!(lines.contains(&"存在的主要问题"), "{lines:#?}");
        assert!(
            lines.contains(&"社区工作者人手紧张。社工队伍留不住人的问题越来越突出。"),
            "{lines:#?}"
        );
    }

    #[test]
    fn page_numbers_and_adverts_inside_flattened_text_go() {
        let t = format!(
            "{} -1- 二、存在的问题 【广告】范文会员限时五折，一键下载 >> 1. 经费不足。（第2页）2. 场地紧张。\n",
            filler()
        );
        let n = normalize(&t);
        assert!(
            !n.text.contains("-1-") && !n.text.contains("广告") && !n.text.contains("第2页"),
            "{}",
            n.text
        );
        let lines: Vec<&str> = n.text.lines().map(str::trim).collect();
        assert!(lines.contains(&"二、存在的问题"), "{lines:#?}");
        assert!(n.steps.contains(&Step::Noise));
    }

    #[test]
    fn every_page_number_starts_as_the_filter_expects() {
        let pieces = [
            "-", "—", "–", "_", "－", "~", "·", "•", " ", "\u{3000}", "1", "23", "９", "٣", "第",
            "共", "页", "/", "，", ",", "、", "Page", "page", "PAGE", "of", "OF", "党", "a", "(",
        ];
        let mut matched = 0;
        for t in crate::rng::random_texts(14, &pieces, 8, 200_000) {
            let t = t.trim();
            if super::PAGE_NUMBER.is_match(t) {
                matched += 1;
                let first = t.chars().next().expect("a match is not empty");
                assert!(super::may_open_page_number(first), "{t:?}");
            }
        }
        assert!(matched > 1_000, "{matched}");
    }

    #[test]
    fn every_bare_heading_ends_as_the_filter_expects() {
        let pieces = [
            "存在",
            "主要",
            "下一步",
            "原因",
            "问题",
            "不足",
            "短板",
            "差距",
            "弱项",
            "根源",
            "分析",
            "打算",
            "建议",
            "的",
            "工作",
            "党建",
            "题",
            "足",
            "析",
            "算",
        ];
        let mut matched = 0;
        for h in crate::rng::random_texts(14, &pieces, 6, 100_000) {
            if super::HEADING_BARE.is_match(&h) {
                matched += 1;
                let last = h.chars().last().expect("a match is not empty");
                assert!(super::bare_heading_end(last), "{h:?}");
            }
        }
        assert!(matched > 1_000, "{matched}");
    }

    #[test]
    fn a_space_after_a_comma_does_not_split_a_long_paragraph() {
        let t =
            "对照年初目标, 街道工作还有欠缺, 覆盖率只有37%, 不少企业没有党员。".repeat(12) + "\n";
        let n = normalize(&t);
        assert_eq!(n.text.lines().count(), 1, "{}", n.text);
    }
}
