//! `.docx` → plain text: paragraphs (table cells included) in document order, one per line.
//!
//! Word's automatic list numbering is not in the text runs, yet it is how many reports mark 一、/（一）/1.;
//! so list labels are rebuilt from `numbering.xml` for the common formats. Decompression is bounded so a
//! zip bomb costs at most [`MAX_XML_BYTES`].

use crate::error::SkipReason;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;
use std::collections::HashMap;
use std::io::{Read, Seek};

/// Upper bound on the decompressed size of one XML part.
pub const MAX_XML_BYTES: u64 = 64 * 1024 * 1024;

/// The part holding the text.
const DOCUMENT: &str = "word/document.xml";
/// The part holding list numbering.
const NUMBERING: &str = "word/numbering.xml";

/// Extracts the text of a Word document.
///
/// # Errors
/// [`SkipReason::BadDocx`] when the bytes are not a zip, the zip has no `word/document.xml`, a part inflates past
/// [`MAX_XML_BYTES`], or the XML is malformed.
pub fn extract_text<R: Read + Seek>(reader: R) -> Result<String, SkipReason> {
    extract_text_within(reader, MAX_XML_BYTES)
}

/// [`extract_text`] with XML parts inflating past `limit` bytes refused (the caller's `--max-size`): a
/// small file must not cost more than a large one may.
///
/// # Errors
/// As [`extract_text`].
pub fn extract_text_within<R: Read + Seek>(reader: R, limit: u64) -> Result<String, SkipReason> {
    let limit = limit.min(MAX_XML_BYTES);
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| SkipReason::BadDocx(format!("not a zip archive ({e})")))?;
    let document = read_part(&mut zip, DOCUMENT, limit)?
        .ok_or_else(|| SkipReason::BadDocx("no word/document.xml (not a Word document)".into()))?;
    let numbering = match read_part(&mut zip, NUMBERING, limit)? {
        // Broken list numbering costs only the list labels; the text is still read.
        Some(xml) => parse_numbering(&xml).unwrap_or_default(),
        None => Numbering::default(),
    };
    paragraphs(&document, numbering)
}

fn read_part<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Option<Vec<u8>>, SkipReason> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(SkipReason::BadDocx(format!("{name}: {e}"))),
    };
    let mut buf = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| SkipReason::BadDocx(format!("{name}: truncated or corrupt ({e})")))?;
    if buf.len() as u64 > limit {
        return Err(SkipReason::BadDocx(format!(
            "{name} inflates past {limit} bytes (a zip bomb? the limit is --max-size, at most {} MiB)",
            MAX_XML_BYTES >> 20
        )));
    }
    Ok(Some(buf))
}

/// One list level: its number format and label template (`%1、`, `（%1）`).
#[derive(Debug, Clone, Default)]
struct Level {
    fmt: String,
    text: String,
    start: u32,
}

#[derive(Debug, Default)]
struct Numbering {
    /// numId → abstractNumId
    nums: HashMap<String, String>,
    /// abstractNumId → levels by ilvl
    abstracts: HashMap<String, HashMap<u32, Level>>,
}

fn attr(e: &BytesStart, local: &str) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == local)
            .then(|| {
                a.normalized_value(XmlVersion::Implicit1_0)
                    .ok()
                    .map(|v| v.into_owned())
            })
            .flatten()
    })
}

/// The text an entity or character reference (`&amp;`, `&#x4E00;`) stands for; `None` for an unknown entity.
fn resolve_ref(r: &BytesRef) -> Option<String> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Some(c.to_string()),
        Ok(None) => resolve_predefined_entity(r).map(str::to_string),
        Err(_) => None,
    }
}

fn parse_numbering(xml: &[u8]) -> Result<Numbering, quick_xml::Error> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = Numbering::default();
    let (mut cur_abs, mut cur_num, mut cur_lvl): (Option<String>, Option<String>, Option<u32>) =
        (None, None, None);
    loop {
        match reader.read_event_into(&mut buf)? {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "abstractNum" => cur_abs = attr(&e, "abstractNumId"),
                "num" => cur_num = attr(&e, "numId"),
                "abstractNumId" => {
                    if let (Some(n), Some(v)) = (&cur_num, attr(&e, "val")) {
                        out.nums.insert(n.clone(), v);
                    }
                }
                "lvl" => cur_lvl = attr(&e, "ilvl").and_then(|v| v.parse().ok()),
                name @ ("numFmt" | "lvlText" | "start") => {
                    if let (Some(a), Some(l), Some(v)) = (&cur_abs, cur_lvl, attr(&e, "val")) {
                        let level = out
                            .abstracts
                            .entry(a.clone())
                            .or_default()
                            .entry(l)
                            .or_insert(Level {
                                start: 1,
                                ..Level::default()
                            });
                        match name {
                            "numFmt" => level.fmt = v,
                            "lvlText" => level.text = v,
                            _ => level.start = v.parse().unwrap_or(1),
                        }
                    }
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "abstractNum" => cur_abs = None,
                "num" => cur_num = None,
                "lvl" => cur_lvl = None,
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

const CN_DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// Chinese counting numerals as used in list labels (1 → 一, 12 → 十二, 20 → 二十).
pub fn chinese_number(n: u32) -> String {
    match n {
        0..=9 => CN_DIGITS[n as usize].to_string(),
        10..=19 => format!(
            "十{}",
            if n > 10 {
                CN_DIGITS[(n - 10) as usize]
            } else {
                ""
            }
        ),
        20..=99 => format!(
            "{}十{}",
            CN_DIGITS[(n / 10) as usize],
            if !n.is_multiple_of(10) {
                CN_DIGITS[(n % 10) as usize]
            } else {
                ""
            }
        ),
        _ => n.to_string(),
    }
}

fn format_number(fmt: &str, n: u32) -> String {
    match fmt {
        "chineseCounting"
        | "chineseCountingThousand"
        | "ideographTraditional"
        | "japaneseCounting" => chinese_number(n),
        "decimalEnclosedCircle" | "decimalEnclosedCircleChinese" if (1..=20).contains(&n) => {
            char::from_u32(0x2460 + n - 1)
                .map(String::from)
                .unwrap_or_default()
        }
        "lowerLetter" if (1..=26).contains(&n) => ((b'a' + (n - 1) as u8) as char).to_string(),
        "upperLetter" if (1..=26).contains(&n) => ((b'A' + (n - 1) as u8) as char).to_string(),
        "bullet" | "none" => String::new(),
        _ => n.to_string(),
    }
}

/// Tracks list counters while paragraphs stream by.
struct ListCounter<'a> {
    numbering: &'a Numbering,
    counters: HashMap<(String, u32), u32>,
}

impl ListCounter<'_> {
    fn label(&mut self, num_id: &str, ilvl: u32) -> String {
        let Some(levels) = self
            .numbering
            .nums
            .get(num_id)
            .and_then(|a| self.numbering.abstracts.get(a))
        else {
            return String::new();
        };
        let Some(level) = levels.get(&ilvl) else {
            return String::new();
        };
        if level.fmt == "bullet" {
            return String::new();
        }
        let key = (num_id.to_string(), ilvl);
        let n = *self
            .counters
            .entry(key)
            .and_modify(|c| *c += 1)
            .or_insert(level.start);
        // A deeper level restarts when a shallower one advances.
        self.counters
            .retain(|(id, l), _| id != num_id || *l <= ilvl);
        let mut text = level.text.clone();
        for (l, lv) in levels {
            let placeholder = format!("%{}", l + 1);
            if text.contains(&placeholder) {
                let value = if *l == ilvl {
                    n
                } else {
                    *self
                        .counters
                        .get(&(num_id.to_string(), *l))
                        .unwrap_or(&lv.start)
                };
                text = text.replace(&placeholder, &format_number(&lv.fmt, value));
            }
        }
        text
    }
}

fn paragraphs(xml: &[u8], numbering: Numbering) -> Result<String, SkipReason> {
    let mut reader = Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut out = String::new();
    let mut para = String::new();
    let mut in_text = false;
    let mut num: (Option<String>, u32) = (None, 0);
    let mut lists = ListCounter {
        numbering: &numbering,
        counters: HashMap::new(),
    };
    let bad = |e: quick_xml::Error| SkipReason::BadDocx(format!("malformed {DOCUMENT} ({e})"));
    // Elements still open: a part cut short ends without error in the reader, and its text was never
    // closed into a paragraph, so it must not pass for an empty document.
    let mut open = 0usize;
    loop {
        let event = reader.read_event_into(&mut buf).map_err(bad)?;
        match &event {
            Event::Start(_) => open += 1,
            Event::End(_) => open = open.saturating_sub(1),
            _ => {}
        }
        match event {
            Event::Eof if open > 0 => {
                return Err(SkipReason::BadDocx(format!(
                    "malformed {DOCUMENT} (ill-formed document: {open} element(s) not closed at the end \
                     of the part; cut short?)"
                )))
            }
            Event::Eof => break,
            Event::Start(e) => match e.local_name().as_ref() {
                "t" => in_text = true,
                "p" => {
                    para.clear();
                    num = (None, 0);
                }
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                // Word writes an empty paragraph as <w:p/>: it is still a line.
                "p" => out.push('\n'),
                "tab" => para.push('\t'),
                "br" | "cr" => para.push('\n'),
                "numId" => num.0 = attr(&e, "val").filter(|v| v != "0"),
                "ilvl" => num.1 = attr(&e, "val").and_then(|v| v.parse().ok()).unwrap_or(0),
                _ => {}
            },
            Event::Text(t) if in_text => para.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => match resolve_ref(&r) {
                Some(s) => para.push_str(&s),
                None => {
                    return Err(SkipReason::BadDocx(format!(
                        "malformed {DOCUMENT} (unknown entity '&{};')",
                        &*r
                    )))
                }
            },
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => {
                    if let Some(id) = num.0.take() {
                        if !para.trim().is_empty() {
                            out.push_str(&lists.label(&id, num.1));
                        }
                    }
                    out.push_str(&para);
                    out.push('\n');
                    para.clear();
                }
                _ => {}
            },
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// Builds a minimal .docx in memory: each entry of `paras` is a paragraph; `numbered` ones use a
    /// Chinese-counting list (一、二、).
    pub fn build_docx(paras: &[(&str, bool)], table: &[&str]) -> Vec<u8> {
        let mut body = String::new();
        for (text, numbered) in paras {
            let ppr = if *numbered {
                "<w:pPr><w:numPr><w:ilvl w:val=\"0\"/><w:numId w:val=\"1\"/></w:numPr></w:pPr>"
            } else {
                ""
            };
            body.push_str(&format!("<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r></w:p>"));
        }
        if !table.is_empty() {
            body.push_str("<w:tbl><w:tr>");
            for cell in table {
                body.push_str(&format!(
                    "<w:tc><w:p><w:r><w:t>{cell}</w:t></w:r></w:p></w:tc>"
                ));
            }
            body.push_str("</w:tr></w:tbl>");
        }
        let doc = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let numbering = "<?xml version=\"1.0\"?><w:numbering xmlns:w=\"x\"><w:abstractNum w:abstractNumId=\"0\"><w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"chineseCounting\"/><w:lvlText w:val=\"%1、\"/></w:lvl></w:abstractNum><w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num></w:numbering>";
        let mut cur = Cursor::new(Vec::new());
        {
            let mut zw = zip::ZipWriter::new(&mut cur);
            let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default();
            zw.start_file("word/document.xml", opts).unwrap();
            zw.write_all(doc.as_bytes()).unwrap();
            zw.start_file("word/numbering.xml", opts).unwrap();
            zw.write_all(numbering.as_bytes()).unwrap();
            zw.finish().unwrap();
        }
        cur.into_inner()
    }

    #[test]
    fn paragraphs_tables_and_numbering_in_order() {
        let bytes = build_docx(
            &[
                ("工作成效", true),
                ("正文一段。", false),
                ("存在问题", true),
            ],
            &["单元格甲", "单元格乙"],
        );
        let text = extract_text(Cursor::new(bytes)).unwrap();
        assert_eq!(
            text,
            "一、工作成效\n正文一段。\n二、存在问题\n单元格甲\n单元格乙\n"
        );
    }

    #[test]
    fn entities_and_character_references_are_resolved() {
        let bytes = build_docx(
            &[(
                "党员&amp;群众 &lt;1&gt; &quot;x&apos; &#x4E00;&#20108;",
                false,
            )],
            &[],
        );
        let text = extract_text(Cursor::new(bytes)).unwrap();
        assert_eq!(text, "党员&群众 <1> \"x' 一二\n");
        let bytes = build_docx(&[("a &nbsp; b", false)], &[]);
        let err = extract_text(Cursor::new(bytes)).unwrap_err();
        assert!(err.to_string().contains("unknown entity '&nbsp;'"), "{err}");
    }

    #[test]
    fn not_a_zip_is_bad_docx() {
        let err = extract_text(Cursor::new(b"PK\x03\x04garbage".to_vec())).unwrap_err();
        assert!(matches!(err, SkipReason::BadDocx(_)), "{err}");
    }

    #[test]
    fn truncated_zip_is_bad_docx() {
        let bytes = build_docx(&[("段落", false)], &[]);
        let cut = bytes[..bytes.len() / 2].to_vec();
        assert!(matches!(
            extract_text(Cursor::new(cut)),
            Err(SkipReason::BadDocx(_))
        ));
    }

    fn docx_with_document(xml: &str) -> Vec<u8> {
        let mut cur = Cursor::new(Vec::new());
        let mut zw = zip::ZipWriter::new(&mut cur);
        zw.start_file(DOCUMENT, zip::write::SimpleFileOptions::default())
            .unwrap();
        zw.write_all(xml.as_bytes()).unwrap();
        zw.finish().unwrap();
        cur.into_inner()
    }

    #[test]
    fn unclosed_or_garbled_xml_is_malformed_not_empty() {
        let head = "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>";
        for tail in [
            "<w:p><w:r><w:t>党员队伍老化",
            "<w:p <<<<>>>",
            "<w:p><w:r></w:p>",
        ] {
            let err = extract_text(Cursor::new(docx_with_document(&format!("{head}{tail}"))))
                .unwrap_err();
            let shown = err.to_string();
            assert!(matches!(err, SkipReason::BadDocx(_)), "{tail}: {shown}");
            assert!(
                shown.contains("malformed word/document.xml"),
                "{tail}: {shown}"
            );
        }
        let closed = format!("{head}<w:p><w:r><w:t>党员</w:t></w:r></w:p></w:body></w:document>");
        assert_eq!(
            extract_text(Cursor::new(docx_with_document(&closed))).unwrap(),
            "党员\n"
        );
    }

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(14), "十四");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(35), "三十五");
    }
}
