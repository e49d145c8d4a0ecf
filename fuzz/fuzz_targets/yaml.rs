//! The YAML layer: the fast path, the serde-saphyr path and the entry point that picks one,
//! at a non-zero base offset (front matter never starts at byte 0).

use opsbook::document::yaml;

fn main() {
    afl::fuzz!(|bytes: &[u8]| {
        let Ok(text) = std::str::from_utf8(bytes) else {
            return;
        };
        let _ = yaml::parse(text, 4);
        let _ = yaml::parse_fast(text, 4);
        let _ = yaml::parse_with_serde(text, 4);
    });
}
