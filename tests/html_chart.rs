//! report.html as a browser draws it: headless Chromium renders the page of a real run and the picture is
//! checked pixel by pixel — not blank, and the year-trend chart drawn as small multiples (one panel per
//! theme, all the same size, in a grid that wraps with the window width, each with its line drawn).
//!
//! Without Chromium the test is skipped with a message, unless SHUZHI_REQUIRE_CHROMIUM=1 (CI sets it), where
//! a missing browser is a failure. SHUZHI_CHROMIUM names the browser binary if it is not `chromium`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The plot-area fill of a panel (`#f7f9fb` in the page's SVG), found nowhere else on the page.
const PLOT_BG: [u8; 3] = [0xf7, 0xf9, 0xfb];

fn find_chromium() -> Option<PathBuf> {
    let names: Vec<String> = match std::env::var("SHUZHI_CHROMIUM") {
        Ok(n) if !n.is_empty() => vec![n],
        _ => ["chromium", "chromium-browser", "google-chrome"]
            .map(String::from)
            .to_vec(),
    };
    let path = std::env::var_os("PATH")?;
    for n in names {
        let p = PathBuf::from(&n);
        if p.is_absolute() && p.is_file() {
            return Some(p);
        }
        for dir in std::env::split_paths(&path) {
            if dir.join(&n).is_file() {
                return Some(dir.join(&n));
            }
        }
    }
    None
}

/// Chromium, or `None` after saying why the test is skipped; a failure when CI requires it.
fn chromium_or_skip() -> Option<PathBuf> {
    let found = find_chromium();
    if found.is_none() {
        assert!(
            std::env::var("SHUZHI_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
            "SHUZHI_REQUIRE_CHROMIUM=1 but no chromium on the PATH (apt-get install chromium)"
        );
        eprintln!(
            "SKIPPED: headless Chromium not found (install the Debian package `chromium`, or set SHUZHI_CHROMIUM)"
        );
    }
    found
}

/// Screenshot of `page` (from its top) in a window `width`×`height` CSS pixels at scale 1; returns RGB rows.
fn screenshot(chromium: &Path, page: &Path, width: u32, height: u32) -> (u32, u32, Vec<u8>) {
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("shot.png");
    let profile = tmp.path().join("profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    assert!(status.success() && png.is_file(), "chromium failed: {err}");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    assert!(
        channels >= 3,
        "unexpected PNG colour type {:?}",
        info.color_type
    );
    let rgb: Vec<u8> = buf[..info.buffer_size()]
        .chunks(channels)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    (info.width, info.height, rgb)
}

/// A box of pixels: left, top, right, bottom (inclusive).
type Box4 = (usize, usize, usize, usize);

/// The panels' plot areas: connected regions of the plot fill (split into bands by grid lines and the data
/// line), merged when they are stacked within a few pixels of each other.
fn plot_areas(w: usize, h: usize, rgb: &[u8]) -> Vec<Box4> {
    let is_bg = |i: usize| rgb[3 * i..3 * i + 3] == PLOT_BG;
    let mut seen = vec![false; w * h];
    let mut boxes: Vec<(Box4, usize)> = Vec::new();
    for start in 0..w * h {
        if seen[start] || !is_bg(start) {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let (mut b, mut area) = ((w, h, 0, 0), 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            area += 1;
            b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
            let mut push = |j: usize| {
                if !seen[j] && is_bg(j) {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        if area >= 200 {
            boxes.push((b, area));
        }
    }
    let mut out: Vec<Box4> = boxes.into_iter().map(|(b, _)| b).collect();
    loop {
        let mut merged = false;
        'outer: for i in 0..out.len() {
            for j in i + 1..out.len() {
                let (a, b) = (out[i], out[j]);
                let x_overlap = a.0.max(b.0) + 20 <= a.2.min(b.2);
                let y_near = a.1.max(b.1) <= a.3.min(b.3) + 6;
                if x_overlap && y_near {
                    out[i] = (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3));
                    out.remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    out.sort_by_key(|b| (b.1, b.0));
    out
}

/// How many groups the positions fall into (positions within 8 px of each other are one group).
fn clusters(positions: impl Iterator<Item = usize>) -> usize {
    let mut v: Vec<usize> = positions.collect();
    v.sort_unstable();
    v.windows(2).filter(|p| p[1] - p[0] > 8).count() + usize::from(!v.is_empty())
}

/// Pixels inside a box drawn in a saturated colour (the theme's line and markers).
fn coloured_pixels(w: usize, rgb: &[u8], b: Box4) -> usize {
    let mut n = 0;
    for y in b.1..=b.3 {
        for x in b.0..=b.2 {
            let p = &rgb[3 * (y * w + x)..3 * (y * w + x) + 3];
            let (hi, lo) = (*p.iter().max().unwrap(), *p.iter().min().unwrap());
            if hi - lo >= 60 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn trend_chart_is_drawn_as_small_multiples() {
    let Some(chromium) = chromium_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    common::analyze_corpus(&out, &[]).assert().success();
    let page = out.join("report.html");
    let themes = shuzhi::themes::Taxonomy::load(&common::repo().join("models/default/themes.toml"))
        .unwrap()
        .len();
    let mut columns_seen = Vec::new();
    // Windows tall enough for the whole page: the chart is found wherever it lies.
    for (width, height) in [(1280, 4000), (640, 8000)] {
        let (w, h, rgb) = screenshot(&chromium, &page, width, height);
        let (w, h) = (w as usize, h as usize);
        // Not blank: a good part of the picture is ink, in many colours.
        let inked = rgb.chunks(3).filter(|p| p.iter().any(|&c| c < 200)).count();
        assert!(inked * 50 > w * h, "{width}px: only {inked} inked pixels");
        let colours: std::collections::BTreeSet<&[u8]> = rgb.chunks(3).collect();
        assert!(colours.len() > 200, "{width}px: {} colours", colours.len());

        let panels = plot_areas(w, h, &rgb);
        assert_eq!(panels.len(), themes, "{width}px: panels {panels:?}");
        let (pw, ph) = (panels[0].2 - panels[0].0, panels[0].3 - panels[0].1);
        assert!(pw >= 100 && ph >= 40, "{width}px: panel plot {pw}×{ph}");
        for b in &panels {
            // One layout and one scale: every plot area the same size.
            assert!(
                (b.2 - b.0).abs_diff(pw) <= 2 && (b.3 - b.1).abs_diff(ph) <= 2,
                "{width}px: panel {b:?} differs from {pw}×{ph}"
            );
            let ink = coloured_pixels(w, &rgb, *b);
            assert!(
                ink >= 40,
                "{width}px: panel {b:?} has {ink} coloured pixels"
            );
        }
        // A grid: several panels side by side, rows aligned.
        let columns = clusters(panels.iter().map(|b| b.0));
        let rows = clusters(panels.iter().map(|b| b.1));
        assert!(columns >= 2, "{width}px: one column only");
        assert!(
            columns * rows >= themes && rows < themes,
            "{width}px: {columns} columns × {rows} rows"
        );
        columns_seen.push(columns);
    }
    assert!(
        columns_seen[0] > columns_seen[1],
        "the grid wraps: {columns_seen:?} columns at 1280 and 640 px"
    );
}
