//! Theme colours for any number of themes: generated, not listed, so a taxonomy can grow without code changes.
//!
//! The candidates are a grid of colours in OKLCH, a space where equal distances look about equally different:
//! five lightness steps × a hue every 5°, chroma lowered until the colour fits in sRGB, keeping only colours
//! with at least 3:1 contrast against white (lines and markers stay visible). The palette takes them greedily,
//! each next colour the candidate farthest (in OKLab) from every colour already taken. So the first colours
//! are as far apart as the grid allows, the same taxonomy always gets the same colours, and adding a theme
//! never changes the colours of the themes before it. Beyond the candidates (several hundred) colours repeat.

/// Lightness steps (OKLCH L).
const LIGHTNESS: [f64; 5] = [0.42, 0.48, 0.54, 0.60, 0.66];
/// Hue of the first candidate, in degrees (a blue), and the step between candidates.
const FIRST_HUE: f64 = 250.0;
const HUE_STEP: usize = 5;
/// Chroma wanted before gamut mapping.
const CHROMA: f64 = 0.16;
/// Least contrast ratio against white (WCAG's figure for graphics).
const MIN_CONTRAST: f64 = 3.0;

/// `n` colours as `#rrggbb`, one per theme in taxonomy order.
pub fn palette(n: usize) -> Vec<String> {
    let cands = candidates();
    let labs: Vec<[f64; 3]> = cands.iter().map(|&c| oklab(c)).collect();
    let mut far = vec![f64::INFINITY; cands.len()];
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        // The farthest candidate from those taken; the first of equals, so the choice is reproducible.
        let mut pick = 0;
        for (k, &d) in far.iter().enumerate() {
            if d > far[pick] {
                pick = k;
            }
        }
        for (k, lab) in labs.iter().enumerate() {
            far[k] = far[k].min(distance(&labs[pick], lab));
        }
        let (r, g, b) = cands[pick];
        out.push(format!("#{r:02x}{g:02x}{b:02x}"));
    }
    out
}

/// The candidate colours, in a fixed order.
fn candidates() -> Vec<(u8, u8, u8)> {
    let mut out = Vec::new();
    for &l in &LIGHTNESS {
        for k in (0..360).step_by(HUE_STEP) {
            let hue = (FIRST_HUE + k as f64).rem_euclid(360.0);
            let mut c = CHROMA;
            let rgb = loop {
                if let Some(rgb) = oklch_to_srgb(l, c, hue) {
                    break rgb;
                }
                c *= 0.9;
            };
            if contrast_on_white(rgb) >= MIN_CONTRAST {
                out.push(rgb);
            }
        }
    }
    out
}

fn distance(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    (0..3).map(|k| (a[k] - b[k]).powi(2)).sum::<f64>().sqrt()
}

/// sRGB component (0–255) to linear light.
fn linear(c: u8) -> f64 {
    let v = c as f64 / 255.0;
    if v <= 0.040_45 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// OKLab of an 8-bit sRGB colour.
fn oklab((r, g, b): (u8, u8, u8)) -> [f64; 3] {
    let (r, g, b) = (linear(r), linear(g), linear(b));
    let l = (0.412_221_470_8 * r + 0.536_332_536_3 * g + 0.051_445_992_9 * b).cbrt();
    let m = (0.211_903_498_2 * r + 0.680_699_545_1 * g + 0.107_396_956_6 * b).cbrt();
    let s = (0.088_302_461_9 * r + 0.281_718_837_6 * g + 0.629_978_700_5 * b).cbrt();
    [
        0.210_454_255_3 * l + 0.793_617_785 * m - 0.004_072_046_8 * s,
        1.977_998_495_1 * l - 2.428_592_205 * m + 0.450_593_709_9 * s,
        0.025_904_037_1 * l + 0.782_771_766_2 * m - 0.808_675_766 * s,
    ]
}

/// WCAG contrast ratio of a colour against white.
fn contrast_on_white((r, g, b): (u8, u8, u8)) -> f64 {
    let y = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    1.05 / (y + 0.05)
}

/// OKLCH to 8-bit sRGB; `None` when the colour lies outside sRGB (beyond rounding).
fn oklch_to_srgb(l: f64, c: f64, hue_deg: f64) -> Option<(u8, u8, u8)> {
    let h = hue_deg.to_radians();
    let (a, b) = (c * h.cos(), c * h.sin());
    // OKLab → LMS (cube roots) → linear sRGB, coefficients of Björn Ottosson's definition.
    let l_ = l + 0.396_337_777_4 * a + 0.215_803_757_3 * b;
    let m_ = l - 0.105_561_345_8 * a - 0.063_854_172_8 * b;
    let s_ = l - 0.089_484_177_5 * a - 1.291_485_548_0 * b;
    let (l3, m3, s3) = (l_ * l_ * l_, m_ * m_ * m_, s_ * s_ * s_);
    let lin = [
        4.076_741_662_1 * l3 - 3.307_711_591_3 * m3 + 0.230_969_929_2 * s3,
        -1.268_438_004_6 * l3 + 2.609_757_401_1 * m3 - 0.341_319_396_5 * s3,
        -0.004_196_086_3 * l3 - 0.703_418_614_7 * m3 + 1.707_614_701_0 * s3,
    ];
    let mut out = [0u8; 3];
    for (o, v) in out.iter_mut().zip(lin) {
        if !(-1e-4..=1.0 + 1e-4).contains(&v) {
            return None;
        }
        let v = v.clamp(0.0, 1.0);
        let gamma = if v <= 0.003_130_8 {
            12.92 * v
        } else {
            1.055 * v.powf(1.0 / 2.4) - 0.055
        };
        *o = (gamma * 255.0).round() as u8;
    }
    Some((out[0], out[1], out[2]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb(hex: &str) -> (u8, u8, u8) {
        let p = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        (p(1), p(3), p(5))
    }

    /// Smallest OKLab distance between two of the colours.
    fn min_gap(colours: &[String]) -> f64 {
        let labs: Vec<[f64; 3]> = colours.iter().map(|c| oklab(rgb(c))).collect();
        let mut best = f64::INFINITY;
        for i in 0..labs.len() {
            for j in 0..i {
                best = best.min(distance(&labs[i], &labs[j]));
            }
        }
        best
    }

    #[test]
    fn colours_are_valid_hex_repeatable_and_stable_as_themes_are_added() {
        let p = palette(120);
        for c in &p {
            assert_eq!(c.len(), 7);
            assert!(c.starts_with('#') && c[1..].chars().all(|d| d.is_ascii_hexdigit()));
        }
        assert_eq!(p, palette(120));
        assert_eq!(
            palette(13),
            p[..13],
            "a 14th theme leaves the first 13 colours alone"
        );
        assert!(palette(0).is_empty());
    }

    #[test]
    fn every_colour_is_visible_on_white() {
        for c in palette(120) {
            let ratio = contrast_on_white(rgb(&c));
            assert!(ratio >= MIN_CONTRAST, "{c}: contrast {ratio:.2}");
        }
    }

    #[test]
    fn colours_stay_apart_as_the_taxonomy_grows() {
        // OKLab distance: about 0.02 is just noticeable; 0.1 is clearly another colour.
        for (n, gap) in [(14, 0.1), (30, 0.07), (60, 0.045)] {
            let g = min_gap(&palette(n));
            assert!(g >= gap, "{n} themes: closest colours {g:.3} apart");
        }
        let all: std::collections::BTreeSet<String> = palette(120).into_iter().collect();
        assert_eq!(all.len(), 120, "120 themes, 120 different colours");
    }
}
