//! The severity colours of the default theme (templates/static/style.css), light and dark: every
//! pair of severities stays distinguishable for readers with normal vision and with each of the
//! common colour-vision deficiencies (protanopia, deuteranopia, tritanopia, simulated with the
//! matrices of Machado, Oliveira and Fernandes 2009 at full severity), measured as CIEDE2000
//! colour difference; and each badge's text has a contrast of at least 4.5:1 on its colour.

use std::collections::HashMap;

const STYLE: &str = include_str!("../templates/static/style.css");

/// Smallest CIEDE2000 difference between two severities, in any vision simulated. About 2 is
/// "just noticeable"; 10 and more reads as a different colour at a glance.
const MIN_DIFFERENCE: f64 = 15.0;

const SIMULATIONS: [(&str, [[f64; 3]; 3]); 4] = [
    (
        "normal vision",
        [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    ),
    (
        "protanopia",
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ],
    ),
    (
        "deuteranopia",
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.011820, 0.042940, 0.968881],
        ],
    ),
    (
        "tritanopia",
        [
            [1.255528, -0.076749, -0.178779],
            [-0.078411, 0.930809, 0.147602],
            [0.004733, 0.691367, 0.303900],
        ],
    ),
];

/// The `--name: #rrggbb;` custom properties of the first rule after `marker`.
fn variables(marker: &str) -> HashMap<String, String> {
    let start = STYLE
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in style.css"));
    let rest = &STYLE[start..];
    let block = &rest[rest.find('{').unwrap() + 1..];
    let block = &block[..block.find('}').unwrap()];
    // Comments out.
    let mut text = String::new();
    let mut rest = block;
    while let Some(open) = rest.find("/*") {
        text.push_str(&rest[..open]);
        let close = rest[open..].find("*/").expect("a closed comment");
        rest = &rest[open + close + 2..];
    }
    text.push_str(rest);
    text.split(';')
        .filter_map(|decl| decl.trim().split_once(':'))
        .filter(|(name, _)| name.trim().starts_with("--"))
        .map(|(name, value)| (name.trim().to_string(), value.trim().to_string()))
        .collect()
}

fn linear(hex: &str) -> [f64; 3] {
    let hex = hex.trim_start_matches('#');
    assert_eq!(hex.len(), 6, "a #rrggbb colour: {hex}");
    let channel = |i: usize| {
        let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    [channel(0), channel(2), channel(4)]
}

fn simulate(rgb: [f64; 3], m: &[[f64; 3]; 3]) -> [f64; 3] {
    let row = |r: usize| {
        (0..3)
            .map(|k| m[r][k] * rgb[k])
            .sum::<f64>()
            .clamp(0.0, 1.0)
    };
    [row(0), row(1), row(2)]
}

fn lab([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 216.0 / 24389.0 {
            t.cbrt()
        } else {
            (24389.0 / 27.0 * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(x), f(y), f(z));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIEDE2000 (Sharma, Wu and Dalal 2005).
fn ciede2000([l1, a1, b1]: [f64; 3], [l2, a2, b2]: [f64; 3]) -> f64 {
    let c_bar = (a1.hypot(b1) + a2.hypot(b2)) / 2.0;
    let g = 0.5 * (1.0 - (c_bar.powi(7) / (c_bar.powi(7) + 25f64.powi(7))).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| b.atan2(a).to_degrees().rem_euclid(360.0);
    let (h1, h2) = (hue(b1, a1p), hue(b2, a2p));
    let dh = if c1p * c2p == 0.0 {
        0.0
    } else if (h2 - h1).abs() <= 180.0 {
        h2 - h1
    } else if h2 - h1 > 180.0 {
        h2 - h1 - 360.0
    } else {
        h2 - h1 + 360.0
    };
    let (dl, dc) = (l2 - l1, c2p - c1p);
    let dhh = 2.0 * (c1p * c2p).sqrt() * (dh / 2.0).to_radians().sin();
    let l_bar = (l1 + l2) / 2.0;
    let c_bar_p = (c1p + c2p) / 2.0;
    let h_bar = if c1p * c2p == 0.0 {
        h1 + h2
    } else if (h1 - h2).abs() <= 180.0 {
        (h1 + h2) / 2.0
    } else if h1 + h2 < 360.0 {
        (h1 + h2 + 360.0) / 2.0
    } else {
        (h1 + h2 - 360.0) / 2.0
    };
    let t = 1.0 - 0.17 * (h_bar - 30.0).to_radians().cos()
        + 0.24 * (2.0 * h_bar).to_radians().cos()
        + 0.32 * (3.0 * h_bar + 6.0).to_radians().cos()
        - 0.20 * (4.0 * h_bar - 63.0).to_radians().cos();
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let rc = 2.0 * (c_bar_p.powi(7) / (c_bar_p.powi(7) + 25f64.powi(7))).sqrt();
    let sl = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let sc = 1.0 + 0.045 * c_bar_p;
    let sh = 1.0 + 0.015 * c_bar_p * t;
    let rt = -(2.0 * d_theta).to_radians().sin() * rc;
    ((dl / sl).powi(2) + (dc / sc).powi(2) + (dhh / sh).powi(2) + rt * (dc / sc) * (dhh / sh))
        .sqrt()
}

fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |hex: &str| {
        let [r, g, b] = linear(hex);
        0.2126 * r + 0.7152 * g + 0.0722 * b
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// Problems with the severity colours of one theme.
fn check(theme: &str, vars: &HashMap<String, String>) -> Vec<String> {
    let colour = |name: &str| {
        vars.get(name)
            .unwrap_or_else(|| panic!("{theme}: {name} is set"))
            .as_str()
    };
    let mut problems = Vec::new();
    for level in 1..=4 {
        let (fill, text) = (
            colour(&format!("--sev{level}")),
            colour(&format!("--sev{level}-fg")),
        );
        if contrast(fill, text) < 4.5 {
            problems.push(format!(
                "{theme}: SEV{level} badge text {text} on {fill} is {:.2}:1",
                contrast(fill, text)
            ));
        }
    }
    for (vision, matrix) in &SIMULATIONS {
        for a in 1..=4 {
            for b in a + 1..=4 {
                let seen =
                    |level: usize| lab(simulate(linear(colour(&format!("--sev{level}"))), matrix));
                let difference = ciede2000(seen(a), seen(b));
                if difference < MIN_DIFFERENCE {
                    problems.push(format!(
                        "{theme}, {vision}: SEV{a} and SEV{b} differ by {difference:.1} (CIEDE2000)"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn severities_stay_distinguishable_with_colour_vision_deficiencies() {
    let mut problems = check("light", &variables(":root"));
    problems.extend(check(
        "dark",
        &variables("@media (prefers-color-scheme: dark)"),
    ));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_simulation_tells_red_from_orange_only_with_normal_vision() {
    // The old scale's SEV2 and SEV3 (#c2410c, #a16207): clearly apart for normal vision, nearly
    // the same for deuteranopia. The test above would have failed on them.
    let seen = |hex: &str, m: usize| lab(simulate(linear(hex), &SIMULATIONS[m].1));
    assert!(ciede2000(seen("#c2410c", 0), seen("#a16207", 0)) > 10.0);
    assert!(ciede2000(seen("#c2410c", 2), seen("#a16207", 2)) < 3.0);
    // Reference pairs from Sharma et al.'s CIEDE2000 test data.
    let d = ciede2000([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485]);
    assert!((d - 2.0425).abs() < 1e-3, "{d}");
    let d = ciede2000([50.0, -1.0, 2.0], [50.0, 0.0, 0.0]);
    assert!((d - 2.3669).abs() < 1e-3, "{d}");
}
