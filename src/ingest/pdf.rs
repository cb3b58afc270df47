//! PDF with a text layer → plain text, one printed line a line (the normaliser joins hard-wrapped lines later).
//!
//! PDFs arrive from anywhere, and the parser underneath can panic on malformed files, so extraction runs on
//! its own thread under `catch_unwind`, with a deadline, and only after every Flate stream has been checked to
//! inflate to at most [`MAX_INFLATED_BYTES`] in total. A PDF whose pages carry no text (a scan) is
//! [`SkipReason::NoTextLayer`].

use crate::error::SkipReason;
use pdf_extract::{Document, Object, PlainTextOutput};
use std::io::Read;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{mpsc, Once};
use std::time::Duration;

/// Upper bound on the inflated size of all Flate streams of one PDF.
pub const MAX_INFLATED_BYTES: u64 = 256 * 1024 * 1024;
/// How long text extraction of one PDF may take before the file is skipped.
pub const TIMEOUT: Duration = Duration::from_secs(120);
/// Name of the extraction threads; their panics are reported as skips, not printed.
const THREAD_NAME: &str = "shuzhi-pdf";
/// Deep object nesting recurses; the thread gets more stack than the default 2 MiB.
const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Extracts the text layer of a PDF, within [`TIMEOUT`].
///
/// # Errors
/// [`SkipReason::BadPdf`] for a file the parser rejects, one that is encrypted with a password, inflates past
/// [`MAX_INFLATED_BYTES`], makes the parser fail, or takes longer than [`TIMEOUT`];
/// [`SkipReason::NoTextLayer`] when the pages hold no text.
pub fn extract_text(bytes: Vec<u8>) -> Result<String, SkipReason> {
    extract_text_within(bytes, TIMEOUT)
}

fn extract_text_within(bytes: Vec<u8>, timeout: Duration) -> Result<String, SkipReason> {
    isolated(move || text_layer(&bytes), timeout)
}

/// Runs `job` on its own thread: a panic or a missed deadline becomes [`SkipReason::BadPdf`].
fn isolated<F>(job: F, timeout: Duration) -> Result<String, SkipReason>
where
    F: FnOnce() -> Result<String, SkipReason> + Send + 'static,
{
    silence_extraction_panics();
    let (tx, rx) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name(THREAD_NAME.into())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let result = panic::catch_unwind(AssertUnwindSafe(job)).unwrap_or_else(|p| {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(SkipReason::BadPdf(format!(
                    "the PDF parser failed on this file ({what})"
                )))
            });
            // The receiver is gone only after a timeout; nobody needs the result then.
            let _ = tx.send(result);
        });
    if let Err(e) = spawned {
        return Err(SkipReason::Io(e));
    }
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        // The thread cannot be stopped from outside: it is left to finish on its own, its result dropped.
        Err(mpsc::RecvTimeoutError::Timeout) => Err(SkipReason::BadPdf(format!(
            "text extraction did not finish within {} s",
            timeout.as_secs()
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(SkipReason::BadPdf(
            "the PDF parser stopped without a result".into(),
        )),
    }
}

/// Panics on extraction threads become skip reasons; the default hook would print them as crashes.
fn silence_extraction_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if std::thread::current().name() != Some(THREAD_NAME) {
                previous(info);
            }
        }));
    });
}

fn bad(e: impl std::fmt::Display) -> SkipReason {
    SkipReason::BadPdf(e.to_string())
}

fn text_layer(bytes: &[u8]) -> Result<String, SkipReason> {
    let mut doc = Document::load_mem(bytes).map_err(bad)?;
    if doc.is_encrypted() {
        // Many PDFs are encrypted only to restrict printing or copying, with an empty user password.
        doc.decrypt("").map_err(|_| {
            SkipReason::BadPdf("encrypted with a password; save an unprotected copy first".into())
        })?;
    }
    check_inflated_size(&doc)?;
    let mut raw = String::new();
    pdf_extract::output_doc(&doc, &mut PlainTextOutput::new(&mut raw)).map_err(bad)?;
    let text = join_comma_breaks(&close_layout_spaces(&raw));
    if !text.chars().any(char::is_alphanumeric) {
        return Err(SkipReason::NoTextLayer);
    }
    Ok(text)
}

fn check_inflated_size(doc: &Document) -> Result<(), SkipReason> {
    let mut total = 0u64;
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else {
            continue;
        };
        let flate = stream
            .filters()
            .is_ok_and(|f| f.first() == Some(&&b"FlateDecode"[..]));
        if !flate {
            continue;
        }
        let left = MAX_INFLATED_BYTES - total;
        let decoder = flate2::read::ZlibDecoder::new(stream.content.as_slice());
        // A corrupt stream counts up to where it breaks; the parser decides what to do with it.
        let n = std::io::copy(&mut decoder.take(left + 1), &mut std::io::sink()).unwrap_or(0);
        total += n;
        if total > MAX_INFLATED_BYTES {
            return Err(SkipReason::BadPdf(format!(
                "its streams inflate past {} MiB (a decompression bomb?)",
                MAX_INFLATED_BYTES >> 20
            )));
        }
    }
    Ok(())
}

fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'     // radicals
        | '\u{3000}'..='\u{303F}'   // CJK punctuation
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF00}'..='\u{FFEF}'   // full-width forms
        | '\u{20000}'..='\u{3FFFF}')
}

/// Drops the spaces the layout puts beside Chinese characters (`书记 2024 年度` → `书记2024年度`).
///
/// A PDF has no spaces between characters, only gaps; a gap where the font changes (digits in a Latin font)
/// comes out as a space, which Chinese text never has. Spaces between two Latin words stay.
fn close_layout_spaces(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = chars[i..]
            .iter()
            .position(|&c| c != ' ')
            .map_or(chars.len(), |n| i + n);
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(end).copied();
        let inside_line = before.is_some_and(|c| c != '\n') && after.is_some_and(|c| c != '\n');
        if !(inside_line && (before.is_some_and(is_cjk) || after.is_some_and(is_cjk))) {
            out.extend(&chars[i..end]);
        }
        i = end;
    }
    out
}

/// Joins a printed line that stops on a comma (，、) to the next one: no paragraph of Chinese prose ends there.
///
/// The normaliser joins hard-wrapped lines once a text shows many of them; a one-page PDF may wrap a single
/// sentence, which this catches.
fn join_comma_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.split('\n').peekable();
    while let Some(line) = lines.next() {
        out.push_str(line);
        let open = matches!(line.trim_end().chars().last(), Some('，' | '、'));
        match lines.peek() {
            Some(next) if open && !next.trim().is_empty() => {}
            Some(_) => out.push('\n'),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_spaces_beside_chinese_go_and_others_stay() {
        assert_eq!(
            close_layout_spaces("书记 2024 年度\n仅占 9% ，部分\nPDF text  here"),
            "书记2024年度\n仅占9%，部分\nPDF text  here"
        );
        assert_eq!(close_layout_spaces("  缩进\n末尾 \n"), "  缩进\n末尾 \n");
    }

    #[test]
    fn lines_stopping_on_a_comma_join_the_next() {
        assert_eq!(
            join_comma_breaks(
                "一是精力不足，\n二是督导不严、\n考核不够。\n（二）下一条\n末行，\n\n新段"
            ),
            "一是精力不足，二是督导不严、考核不够。\n（二）下一条\n末行，\n\n新段"
        );
    }

    #[test]
    fn a_stream_that_inflates_past_the_limit_is_refused() {
        use pdf_extract::{dictionary, Stream};
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..=(MAX_INFLATED_BYTES >> 20) {
            z.write_all(&zeros).unwrap();
        }
        let mut doc = Document::with_version("1.5");
        let stream = Stream::new(
            dictionary! { "Filter" => "FlateDecode" },
            z.finish().unwrap(),
        );
        let id = doc.add_object(stream);
        doc.trailer.set("Root", id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        let err = extract_text(bytes).unwrap_err();
        assert!(err.to_string().contains("inflate past"), "{err}");
    }

    #[test]
    fn not_a_pdf_is_bad_pdf() {
        let err = extract_text(b"%PDF-1.7\nstream\n".to_vec()).unwrap_err();
        assert_eq!(err.kind(), "bad_pdf", "{err}");
    }

    #[test]
    fn a_panic_is_a_skip_naming_it() {
        let err = isolated(|| panic!("index out of bounds"), TIMEOUT).unwrap_err();
        assert_eq!(err.kind(), "bad_pdf");
        assert!(err.to_string().contains("index out of bounds"), "{err}");
    }

    #[test]
    fn a_job_still_running_at_the_deadline_is_a_skip() {
        let (release, wait) = mpsc::channel::<()>();
        let err = isolated(
            move || {
                // Blocks until the test has seen the timeout and drops `release`.
                let _ = wait.recv();
                Ok(String::new())
            },
            Duration::ZERO,
        )
        .unwrap_err();
        drop(release);
        assert!(err.to_string().contains("did not finish"), "{err}");
    }
}
