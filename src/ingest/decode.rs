//! Bytes → text: BOM sniffing, UTF-8 / UTF-16 / GB18030 detection, and whitespace normalisation.
//!
//! All character offsets that shuzhi reports refer to the *normalised* text returned here, so normalisation
//! is done once, before anything else looks at the text.

use crate::error::SkipReason;
use encoding_rs::{Encoding, GB18030, UTF_16BE, UTF_16LE};

/// Text decoded from a file, with the name of the encoding found and anything worth warning about.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// Normalised text (LF line endings, odd spaces folded, zero-width characters removed).
    pub text: String,
    /// `UTF-8`, `UTF-8 (BOM)`, `UTF-16LE (BOM)`, `UTF-16BE (BOM)`, `UTF-16LE (no BOM)`, `UTF-16BE (no BOM)`,
    /// `GB18030`, `Big5`, or `mixed (UTF-8 + GB18030)`.
    pub encoding: String,
    /// Non-fatal problems (replaced bytes, mixed encodings).
    pub warnings: Vec<String>,
}

/// At most this share of characters may be replaced before a file counts as undecodable.
const MAX_REPLACED_SHARE: f64 = 0.001;
/// Below this share of ordinary text characters, a successful decode is taken to be garbage.
const MIN_TEXTLIKE_SHARE: f64 = 0.85;

/// Decodes raw file bytes.
///
/// # Errors
/// [`SkipReason::Binary`] for NUL bytes outside UTF-16, [`SkipReason::Undecodable`] when no supported encoding
/// yields plausible text, [`SkipReason::Empty`] when nothing but whitespace remains.
pub fn decode(bytes: &[u8]) -> Result<Decoded, SkipReason> {
    let mut warnings = Vec::new();
    let (raw, encoding): (String, String) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF")
    {
        (
            decode_utf8_or_mixed(rest, &mut warnings)?,
            "UTF-8 (BOM)".into(),
        )
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (
            decode_utf16(rest, UTF_16LE, &mut warnings)?,
            "UTF-16LE (BOM)".into(),
        )
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (
            decode_utf16(rest, UTF_16BE, &mut warnings)?,
            "UTF-16BE (BOM)".into(),
        )
    } else {
        if let Some(offset) = bytes.iter().position(|&b| b == 0) {
            match utf16_without_bom(bytes) {
                Some((text, enc)) => (text, enc.into()),
                None => return Err(SkipReason::Binary { offset }),
            }
        } else if let Some(s) = utf8_cut_short(bytes, &mut warnings) {
            (s, "UTF-8".into())
        } else {
            decode_legacy(bytes, &mut warnings)?
        }
    };
    let text = normalize(&raw);
    if text.trim().is_empty() {
        return Err(SkipReason::Empty);
    }
    check_textlike(&text)?;
    Ok(Decoded {
        text,
        encoding,
        warnings,
    })
}

fn decode_utf8_or_mixed(bytes: &[u8], warnings: &mut Vec<String>) -> Result<String, SkipReason> {
    if bytes.contains(&0) {
        let offset = bytes.iter().position(|&b| b == 0).unwrap_or(0) + 3;
        return Err(SkipReason::Binary { offset });
    }
    match utf8_cut_short(bytes, warnings) {
        Some(s) => Ok(s),
        None => decode_legacy(bytes, warnings).map(|(s, _)| s),
    }
}

/// The text when `bytes` are UTF-8, or UTF-8 cut inside its last character (a truncated copy or
/// download): then the partial character is dropped with a warning rather than the whole file read as
/// GB18030 mojibake. An ASCII text ending in a stray high byte is no evidence of UTF-8 and is left to
/// the legacy decoders.
fn utf8_cut_short(bytes: &[u8], warnings: &mut Vec<String>) -> Option<String> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(s.to_owned()),
        Err(e) if e.error_len().is_none() && !bytes[..e.valid_up_to()].is_ascii() => {
            let cut = bytes.len() - e.valid_up_to();
            warnings.push(format!(
                "file ends inside a UTF-8 character (cut short?); its last {cut} byte(s) dropped"
            ));
            std::str::from_utf8(&bytes[..e.valid_up_to()])
                .ok()
                .map(str::to_owned)
        }
        Err(_) => None,
    }
}

/// UTF-16 without a byte-order mark: NUL bytes are the high bytes of ASCII characters (digits, line
/// breaks), mostly on one side of each pair. Taken only when the pairs decode cleanly into text.
fn utf16_without_bom(bytes: &[u8]) -> Option<(String, &'static str)> {
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    let odd = bytes.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let even = bytes.iter().step_by(2).filter(|&&b| b == 0).count();
    // Ideographs such as 一 (U+4E00) put a few NULs on the other side; binary data spreads them evenly.
    let (enc, name) = if odd > 2 * even {
        (UTF_16LE, "UTF-16LE (no BOM)")
    } else if even > 2 * odd {
        (UTF_16BE, "UTF-16BE (no BOM)")
    } else {
        return None;
    };
    let text = enc.decode_without_bom_handling_and_without_replacement(bytes)?;
    (!text.contains('\0') && textlike_share(&text) >= 0.9).then(|| (text.into_owned(), name))
}

fn decode_utf16(
    bytes: &[u8],
    enc: &'static Encoding,
    warnings: &mut Vec<String>,
) -> Result<String, SkipReason> {
    let (text, had_errors) = enc.decode_without_bom_handling(bytes);
    if had_errors {
        let replaced = text.chars().filter(|&c| c == '\u{FFFD}').count();
        accept_replacements(&text, replaced, warnings)?;
    }
    if let Some(pos) = text.find('\0') {
        return Err(SkipReason::Binary { offset: pos });
    }
    Ok(text.into_owned())
}

/// Not UTF-8: try GB18030 (a superset of GBK and GB2312), then line by line for files glued together from
/// parts in different encodings, then a lossy decode when only a handful of bytes are bad.
fn decode_legacy(bytes: &[u8], warnings: &mut Vec<String>) -> Result<(String, String), SkipReason> {
    // Big5 bytes often form valid GB18030 too (as mojibake): ask the detector first, and take Big5 only
    // when it decodes cleanly.
    let big5 = encoding_rs::BIG5.decode_without_bom_handling_and_without_replacement(bytes);
    let gb = GB18030.decode_without_bom_handling_and_without_replacement(bytes);
    if let Some(b5) = big5 {
        let mut det = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
        det.feed(bytes, true);
        // Where both decode, the detector decides; where it does not say Big5, the decode that reads more
        // like text does (Big5 read as GB18030 yields rare symbols and stray scripts).
        let prefer_big5 = det.guess(None, chardetng::Utf8Detection::Deny) == encoding_rs::BIG5
            || gb
                .as_ref()
                .is_none_or(|g| textlike_share(&b5) > textlike_share(g) + 0.02);
        if prefer_big5 {
            return Ok((b5.into_owned(), "Big5".into()));
        }
    }
    if let Some(s) = gb {
        return Ok((s.into_owned(), "GB18030".into()));
    }
    if let Some(s) = decode_mixed_lines(bytes) {
        warnings
            .push("mixed encodings: some lines UTF-8, some GB18030; decoded line by line".into());
        return Ok((s, "mixed (UTF-8 + GB18030)".into()));
    }
    // Pick the encoding with fewer bad bytes for a lossy decode.
    let (utf8, _) = encoding_rs::UTF_8.decode_without_bom_handling(bytes);
    let (gb, _) = GB18030.decode_without_bom_handling(bytes);
    let bad = |s: &str| s.chars().filter(|&c| c == '\u{FFFD}').count();
    let (text, name, replaced) = if bad(&utf8) <= bad(&gb) {
        let n = bad(&utf8);
        (utf8.into_owned(), "UTF-8", n)
    } else {
        let n = bad(&gb);
        (gb.into_owned(), "GB18030", n)
    };
    accept_replacements(&text, replaced, warnings)?;
    Ok((text, name.into()))
}

fn decode_mixed_lines(bytes: &[u8]) -> Option<String> {
    let mut out = String::with_capacity(bytes.len());
    let (mut saw_utf8_only, mut saw_gb_only) = (false, false);
    for line in bytes.split_inclusive(|&b| b == b'\n') {
        match std::str::from_utf8(line) {
            Ok(s) => {
                if !s.is_ascii() {
                    saw_utf8_only = true;
                }
                out.push_str(s);
            }
            Err(_) => {
                let s = GB18030.decode_without_bom_handling_and_without_replacement(line)?;
                saw_gb_only = true;
                out.push_str(&s);
            }
        }
    }
    (saw_utf8_only && saw_gb_only).then_some(out)
}

fn accept_replacements(
    text: &str,
    replaced: usize,
    warnings: &mut Vec<String>,
) -> Result<(), SkipReason> {
    let total = text.chars().count().max(1);
    if replaced as f64 / total as f64 > MAX_REPLACED_SHARE || replaced > 20 {
        return Err(SkipReason::Undecodable(format!(
            "not valid UTF-8, UTF-16 or GB18030 ({replaced} of {total} characters undecodable)"
        )));
    }
    warnings.push(format!(
        "{replaced} undecodable byte sequence(s) replaced by U+FFFD"
    ));
    Ok(())
}

/// Rejects decodes that succeed formally but yield no plausible Chinese or Latin text (random bytes that
/// happen to form valid GB18030 sequences, control-character soup).
pub(crate) fn check_textlike(text: &str) -> Result<(), SkipReason> {
    let mut total = 0usize;
    let mut ok = 0usize;
    for c in text.chars() {
        if c == '\n' || c == ' ' {
            continue;
        }
        total += 1;
        if is_textlike(c) {
            ok += 1;
        }
    }
    if total > 0 && (ok as f64) / (total as f64) < MIN_TEXTLIKE_SHARE {
        return Err(SkipReason::Undecodable(format!(
            "decoded text does not look like a report ({:.0}% ordinary characters)",
            100.0 * ok as f64 / total as f64
        )));
    }
    Ok(())
}

/// Share of non-space characters that ordinary text is made of.
fn textlike_share(text: &str) -> f64 {
    let (mut total, mut ok) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        total += 1;
        // Common CJK only: Big5 bytes read as GB18030 fall into the rarer ranges too.
        if is_textlike(c)
            && !matches!(c as u32, 0x3400..=0x4DBF | 0xF900..=0xFAFF | 0xE000..=0xF8FF)
        {
            ok += 1;
        }
    }
    if total == 0 {
        1.0
    } else {
        ok as f64 / total as f64
    }
}

fn is_textlike(c: char) -> bool {
    matches!(c as u32,
        0x21..=0x7E            // ASCII printable
        | 0xA0..=0x17F         // Latin-1, Latin Extended-A
        | 0x370..=0x3FF        // Greek (units, symbols)
        | 0x2000..=0x27BF      // punctuation, symbols, arrows, enclosed numbers ①
        | 0x3000..=0x33FF      // CJK punctuation, kana, enclosed CJK
        | 0x3400..=0x4DBF      // CJK Extension A
        | 0x4E00..=0x9FFF      // CJK Unified Ideographs
        | 0xF900..=0xFAFF      // CJK compatibility
        | 0xFE30..=0xFE4F      // CJK compatibility forms
        | 0xFF00..=0xFFEF      // full-width forms
        | 0xFFFD)
}

/// Folds line endings and odd whitespace so that offsets mean the same thing whatever the source encoding or
/// editor: CRLF/CR/U+2028/U+2029/U+0085 → LF; tabs, NBSP, ideographic and other spaces → ASCII space;
/// zero-width characters, stray BOMs and other control characters removed; CJK radicals (as PDF text layers
/// give them) → the ideographs they stand for. One character in, at most one out.
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    // Text is copied a run at a time: almost every character stays as it is.
    let mut kept = 0;
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\r' {
            // CRLF is one line end: the LF goes with the CR.
            chars.next_if(|&(_, n)| n == '\n');
        }
        let with = fold_char(c);
        if with == Some(c) {
            continue;
        }
        out.push_str(&raw[kept..i]);
        out.extend(with);
        kept = chars.peek().map_or(raw.len(), |&(j, _)| j);
    }
    out.push_str(&raw[kept..]);
    out
}

/// What [`normalize`] makes of one character (a CR that opens a CRLF pair stands for the pair): the same
/// character, another, or nothing.
fn fold_char(c: char) -> Option<char> {
    match c {
        '\r' | '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => Some('\n'),
        '\t'
        | '\u{0B}'
        | '\u{0C}'
        | '\u{A0}'
        | '\u{3000}'
        | '\u{2000}'..='\u{200A}'
        | '\u{202F}'
        | '\u{205F}' => Some(' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}' => None,
        c if c.is_control() => None,
        c => Some(super::radicals::fold(c)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "二、存在的问题\r\n（一）党员队伍老化。\r\n";

    /// The character-by-character definition the run-copying [`normalize`] must agree with.
    fn normalize_by_char(raw: &str) -> String {
        let mut out = String::new();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\r' && chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.extend(fold_char(c));
        }
        out
    }

    #[test]
    fn normalize_agrees_with_the_character_by_character_definition() {
        let alphabet: Vec<char> = "党建a1 。\r\n\t\u{0B}\u{0C}\u{A0}\u{3000}\u{2003}\u{202F}\u{205F}\u{2028}\u{2029}\u{85}\u{200B}\u{200D}\u{2060}\u{FEFF}\u{AD}\u{1}\u{7F}\u{2F00}\u{2E81}\u{2EFF}\u{2FD5}\u{1F600}"
            .chars()
            .collect();
        let mut rng = crate::rng::SplitMix(5);
        for n in 0..3000 {
            let len = n % 40;
            let s: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            assert_eq!(normalize(&s), normalize_by_char(&s), "{s:?}");
        }
        for s in ["", "\r", "\r\n", "\n\r", "a\r", "\r\r\n", "⼀\r\n⼀"] {
            assert_eq!(normalize(s), normalize_by_char(s), "{s:?}");
        }
    }

    #[test]
    fn big5_is_not_read_as_gb18030() {
        let (bytes, _, _) = encoding_rs::BIG5
            .encode("存在的問題：黨員隊伍老化，經費保障不足，村級組織活動場所簡陋。");
        let d = decode(&bytes).unwrap();
        assert_eq!(d.encoding, "Big5");
        assert!(d.text.starts_with("存在的問題：黨員隊伍老化"));
    }

    #[test]
    fn utf8_with_and_without_bom_agree() {
        let plain = decode(SAMPLE.as_bytes()).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(SAMPLE.as_bytes());
        let with_bom = decode(&bom).unwrap();
        assert_eq!(plain.text, with_bom.text);
        assert_eq!(plain.encoding, "UTF-8");
        assert_eq!(with_bom.encoding, "UTF-8 (BOM)");
        assert_eq!(plain.text, "二、存在的问题\n（一）党员队伍老化。\n");
    }

    #[test]
    fn utf16_and_gb18030_decode_to_the_same_text() {
        let expected = decode(SAMPLE.as_bytes()).unwrap().text;
        let mut le = vec![0xFF, 0xFE];
        for u in SAMPLE.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let mut be = vec![0xFE, 0xFF];
        for u in SAMPLE.encode_utf16() {
            be.extend_from_slice(&u.to_be_bytes());
        }
        let (gb, _, _) = GB18030.encode(SAMPLE);
        assert_eq!(decode(&le).unwrap().text, expected);
        assert_eq!(decode(&be).unwrap().text, expected);
        let gbd = decode(&gb).unwrap();
        assert_eq!(gbd.text, expected);
        assert_eq!(gbd.encoding, "GB18030");
    }

    #[test]
    fn utf8_cut_inside_its_last_character_stays_utf8() {
        let bytes = "问题在于经费不足。".as_bytes();
        let d = decode(&bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert_eq!(d.text, "问题在于经费不足");
        assert_eq!(d.warnings.len(), 1);
        // ASCII and one stray lead byte is no evidence of UTF-8.
        assert_ne!(
            decode(b"abc\xE4\xB8").map(|d| d.encoding).ok(),
            Some("UTF-8".into())
        );
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let text = "一、存在的问题\n1.经费不足。\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le).unwrap().encoding, "UTF-16LE (no BOM)");
        assert_eq!(decode(&be).unwrap().encoding, "UTF-16BE (no BOM)");
        assert_eq!(decode(&le).unwrap().text, text);
    }

    #[test]
    fn nul_bytes_are_binary() {
        assert!(matches!(
            decode(b"abc\0def"),
            Err(SkipReason::Binary { offset: 3 })
        ));
    }

    #[test]
    fn whitespace_only_is_empty() {
        assert!(matches!(
            decode(" \r\n\u{3000}".as_bytes()),
            Err(SkipReason::Empty)
        ));
        assert!(matches!(decode(b""), Err(SkipReason::Empty)));
    }

    #[test]
    fn garbage_is_undecodable() {
        // Deterministic pseudo-random bytes without NUL.
        let mut x: u32 = 12345;
        let bytes: Vec<u8> = (0..4000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((x >> 16) as u8).max(1)
            })
            .collect();
        assert!(matches!(decode(&bytes), Err(SkipReason::Undecodable(_))));
    }

    #[test]
    fn mixed_lines_are_decoded_with_a_warning() {
        let mut bytes = "第一行是UTF-8。\n".as_bytes().to_vec();
        bytes.extend_from_slice(&GB18030.encode("第二行是国标。\n").0);
        let d = decode(&bytes).unwrap();
        assert_eq!(d.text, "第一行是UTF-8。\n第二行是国标。\n");
        assert_eq!(d.warnings.len(), 1);
    }

    #[test]
    fn odd_spaces_fold_and_zero_width_vanish() {
        assert_eq!(
            normalize("\u{3000}\u{3000}一、\u{200B}标题\u{A0}x\rY"),
            "  一、标题 x\nY"
        );
    }
}
