//! What the terminal allows: colour (off under `NO_COLOR` or when not a terminal), how much
//! to say (`--quiet`, `--verbose`), and a progress line for long work.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Whether `NO_COLOR` is set to a non-empty value (<https://no-color.org>).
pub fn color_disabled_by_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Colour on stdout: a terminal, and not turned off by the environment.
pub fn stdout_color() -> bool {
    std::io::stdout().is_terminal() && !color_disabled_by_env()
}

/// Colour on stderr: a terminal, and not turned off by the environment.
pub fn stderr_color() -> bool {
    std::io::stderr().is_terminal() && !color_disabled_by_env()
}

/// The width of the terminal on stdout (`COLUMNS` when set, else asked of the terminal), or
/// `fallback` when stdout is not a terminal.
pub fn stdout_width(fallback: usize) -> usize {
    if !std::io::stdout().is_terminal() {
        return fallback;
    }
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize))
        .filter(|w| *w > 0)
        .unwrap_or(fallback)
}

/// ANSI styles used by opsbook's own output (miette styles the diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Bold,
    Dim,
    Red,
    Yellow,
    Green,
}

/// `text` wrapped in the ANSI codes for `paint` when `color`, else `text` as it is.
pub fn paint(color: bool, paint: Paint, text: &str) -> String {
    if !color {
        return text.to_string();
    }
    let code = match paint {
        Paint::Bold => "1",
        Paint::Dim => "2",
        Paint::Red => "31",
        Paint::Yellow => "33",
        Paint::Green => "32",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// Whether the terminal would act on `c` instead of showing it: C0 controls other than tab and
/// line feed (ESC starts the sequences that set the window title or clear the screen; CR
/// overwrites the line), DEL, C1 controls (0x9B is CSI on some terminals) and the bidirectional
/// overrides that reorder what a reader sees ("Trojan Source").
pub fn is_terminal_control(c: char) -> bool {
    (c.is_control() && c != '\t' && c != '\n')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every character the terminal would act on (see [`is_terminal_control`]) shown
/// as a Rust-style escape (`\u{1b}`), so a value from a document prints as the characters it
/// holds. Everything opsbook prints from a document or a repository goes through this.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_terminal_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_terminal_control(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// How much a command prints, from the global `--quiet` and `--verbose` flags. Results (the
/// findings, a table, the path written) go to stdout whatever the verbosity; `say` and
/// `detail` are the chatter around them, on stderr.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verbosity {
    pub quiet: bool,
    pub verbose: bool,
}

impl Verbosity {
    /// A status line, left out under `--quiet`; control characters are shown escaped, as
    /// everywhere opsbook prints text that may come from a document or a repository.
    pub fn say(&self, message: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", escape_controls(message.as_ref()));
        }
    }

    /// A detail line, printed only under `--verbose`.
    pub fn detail(&self, message: impl AsRef<str>) {
        if self.verbose {
            eprintln!("{}", escape_controls(message.as_ref()));
        }
    }
}

/// A one-line progress indicator on stderr for work that may take a while: it appears only
/// when stderr is a terminal, only after `delay`, and is erased when dropped or finished.
pub struct ProgressLine {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressLine {
    /// Starts the indicator with `label` ("building the site"); a no-op when stderr is not a
    /// terminal or `quiet` is set.
    pub fn start(label: &str, quiet: bool, delay: Duration) -> ProgressLine {
        let terminal = std::io::stderr().is_terminal();
        ProgressLine::start_on(std::io::stderr, terminal, label, quiet, delay)
    }

    /// [`ProgressLine::start`] writing to what `out` opens, which is a terminal or not.
    fn start_on<W: Write>(
        out: impl Fn() -> W + Send + 'static,
        terminal: bool,
        label: &str,
        quiet: bool,
        delay: Duration,
    ) -> ProgressLine {
        let done = Arc::new(AtomicBool::new(false));
        if quiet || !terminal {
            return ProgressLine { done, thread: None };
        }
        let flag = done.clone();
        let label = label.to_string();
        let thread = std::thread::spawn(move || {
            let started = Instant::now();
            let frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
            let mut shown = false;
            let mut frame = 0;
            while !flag.load(Ordering::Relaxed) {
                let elapsed = started.elapsed();
                if elapsed >= delay {
                    let mut err = out();
                    let _ = write!(
                        err,
                        "\r{} {label}… {:.1} s\x1b[K",
                        frames[frame % frames.len()],
                        elapsed.as_secs_f64()
                    );
                    let _ = err.flush();
                    shown = true;
                    frame += 1;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            if shown {
                let mut err = out();
                let _ = write!(err, "\r\x1b[K");
                let _ = err.flush();
            }
        });
        ProgressLine {
            done,
            thread: Some(thread),
        }
    }

    /// Stops and erases the indicator.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(escape_controls("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(
            escape_controls("\u{1b}]0;pwned\u{7}\u{1b}[2J"),
            "\\u{1b}]0;pwned\\u{7}\\u{1b}[2J"
        );
        assert_eq!(
            escape_controls("a\rb\u{9b}c\u{202e}d\u{7f}"),
            "a\\u{d}b\\u{9b}c\\u{202e}d\\u{7f}"
        );
        assert!(matches!(
            escape_controls("caf\u{e9}"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn paint_is_plain_without_colour() {
        assert_eq!(paint(false, Paint::Red, "overdue"), "overdue");
        assert_eq!(paint(true, Paint::Red, "overdue"), "\x1b[31moverdue\x1b[0m");
    }

    /// A writer into a shared buffer, opened afresh for every write like stderr.
    #[derive(Clone, Default)]
    struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn run(terminal: bool, quiet: bool, delay: Duration) -> String {
        let out = Captured::default();
        let sink = out.clone();
        let progress =
            ProgressLine::start_on(move || sink.clone(), terminal, "working", quiet, delay);
        std::thread::sleep(Duration::from_millis(150));
        progress.finish();
        out.text()
    }

    #[test]
    fn progress_line_shows_on_a_terminal_and_is_erased() {
        let text = run(true, false, Duration::ZERO);
        assert!(text.starts_with("\r⠋ working… 0.0 s\x1b[K"), "{text:?}");
        assert!(text.ends_with("\r\x1b[K"), "erased at the end: {text:?}");
    }

    #[test]
    fn progress_line_is_silent_off_a_terminal_when_quiet_and_before_its_delay() {
        assert_eq!(run(false, false, Duration::ZERO), "");
        assert_eq!(run(true, true, Duration::ZERO), "");
        // Finished before the delay: nothing shown, so nothing to erase either.
        assert_eq!(run(true, false, Duration::from_secs(60)), "");
    }
}
