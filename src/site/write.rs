//! Writes the site into a temporary folder beside the output and swaps it in only when every
//! file was written, so a failed build leaves the last good site in place and no stale file
//! from an earlier build lingers.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::SiteError;

/// Marks a folder as written by opsbook, so it may be replaced by the next build.
pub const MARKER: &str = ".opsbook-site";

/// One output file: a path relative to the output folder and its bytes.
#[derive(Debug, Clone)]
pub struct OutputFile {
    pub path: String,
    pub bytes: Vec<u8>,
}

/// An existing output folder is replaced only if it is empty or was written by opsbook.
pub fn check_replaceable(output: &Path) -> Result<(), String> {
    match fs::symlink_metadata(output) {
        Err(_) => Ok(()),
        Ok(meta) if !meta.is_dir() => Err("it exists and is not a folder".into()),
        Ok(_) => {
            let empty = fs::read_dir(output)
                .map_err(|e| e.to_string())?
                .next()
                .is_none();
            if empty || output.join(MARKER).exists() {
                Ok(())
            } else {
                Err(format!(
                    "it is a folder that opsbook did not write (no {MARKER} file), and building would replace everything in it"
                ))
            }
        }
    }
}

/// The three kinds of folder and file a build keeps beside the output while it runs, each
/// named `.NAME.opsbook-KIND-PID` after the output's name and the build's process id.
const NEW: &str = "opsbook-new";
const OLD: &str = "opsbook-old";
const LOCK: &str = "opsbook-lock";

fn output_name(output: &Path) -> String {
    output
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned())
}

fn output_parent(output: &Path) -> &Path {
    output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn sibling_of(output: &Path, kind: &str, pid: u32) -> PathBuf {
    output_parent(output).join(format!(".{}.{kind}-{pid}", output_name(output)))
}

fn sibling(output: &Path, kind: &str) -> PathBuf {
    sibling_of(output, kind, std::process::id())
}

/// Held by a build from its start until its folders beside the output are gone: an exclusive
/// lock on `.NAME.opsbook-lock-PID`. The operating system releases it when the process dies
/// (also on `kill -9`), so another build can tell a live build's folders from abandoned ones.
struct BuildLock {
    path: PathBuf,
    _file: fs::File,
}

impl BuildLock {
    fn acquire(output: &Path) -> std::io::Result<BuildLock> {
        let path = sibling(output, LOCK);
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        // Blocks only for another build of this same process into the same output.
        file.lock()?;
        Ok(BuildLock { path, _file: file })
    }
}

impl Drop for BuildLock {
    fn drop(&mut self) {
        // Removed while still locked: a build that opened it meanwhile finds the lock free
        // only once nothing of this build is left.
        let _ = fs::remove_file(&self.path);
    }
}

/// What one build (one process id) left beside the output.
#[derive(Debug, Default)]
struct Leftovers {
    new: Option<PathBuf>,
    old: Option<PathBuf>,
    lock: Option<PathBuf>,
}

/// The folders and lock files other builds of `output` left beside it, by process id. Only
/// names of the exact form `.NAME.opsbook-KIND-PID` count; symlinks never do.
fn leftovers(output: &Path) -> std::collections::BTreeMap<u32, Leftovers> {
    let prefix = format!(".{}.", output_name(output));
    let mut found: std::collections::BTreeMap<u32, Leftovers> = Default::default();
    let Ok(entries) = fs::read_dir(output_parent(output)) else {
        return found;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let Some((kind, pid)) = rest.rsplit_once('-') else {
            continue;
        };
        // Digits only: `u32::from_str` would also take a leading `+`.
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            continue;
        };
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let slot = found.entry(pid).or_default();
        match kind {
            NEW if file_type.is_dir() => slot.new = Some(entry.path()),
            OLD if file_type.is_dir() => slot.old = Some(entry.path()),
            LOCK if file_type.is_file() => slot.lock = Some(entry.path()),
            _ => {}
        }
    }
    found.retain(|_, l| l.new.is_some() || l.old.is_some() || l.lock.is_some());
    found
}

/// Whether a process with this id is running (or may be: `true` when it cannot be told).
fn process_alive(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return true;
        };
        // Signal 0 checks existence only. EPERM: it exists, owned by someone else.
        let result = unsafe { libc::kill(pid, 0) };
        result == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        true
    }
}

/// Whether the build with process id `pid` is gone, so what it left may be cleaned up: its
/// lock is free and no such process runs. Without a lock file (a build from a version of
/// opsbook that kept none), the process must be gone. The returned file holds the lock while
/// the caller cleans up.
fn abandoned(pid: u32, lock: Option<&Path>) -> Option<Option<fs::File>> {
    if pid == std::process::id() {
        // Our own id, whose lock we hold: a process before us had it and died.
        return Some(None);
    }
    let held = match lock {
        Some(path) => {
            let file = fs::OpenOptions::new().write(true).open(path).ok()?;
            file.try_lock().ok()?;
            Some(file)
        }
        None => None,
    };
    (!process_alive(pid)).then_some(held)
}

/// Whether `dir` is a folder this program wrote: it holds the [`MARKER`], or it is empty.
fn is_ours(dir: &Path) -> bool {
    dir.join(MARKER).is_file() || fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none())
}

/// Removes a folder a build left, the [`MARKER`] last, so a removal that is itself cut short
/// leaves a folder that is still recognisably ours. A staging folder of an older version of
/// opsbook (which wrote the marker at the end) has none: its exact name and its dead owner
/// are the proof then.
fn remove_leftover(dir: &Path) -> std::io::Result<()> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
        Ok(meta) if !meta.is_dir() => return Ok(()),
        Ok(_) => {}
    }
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name() == MARKER {
            continue;
        }
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    match fs::remove_file(dir.join(MARKER)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    fs::remove_dir(dir)
}

/// Cleans up after builds of `output` that were killed: a build killed between its two
/// renames left no output folder, only the last good site (`.NAME.opsbook-old-PID`), which
/// is put back; every folder a dead build left is removed. Folders of a build still running
/// (its lock is held) are left alone, as is anything that is not provably ours.
fn recover(output: &Path) -> std::io::Result<()> {
    for (pid, left) in leftovers(output) {
        let Some(_held) = abandoned(pid, left.lock.as_deref()) else {
            continue;
        };
        if let Some(old) = &left.old
            && is_ours(old)
            && fs::symlink_metadata(output).is_err()
        {
            fs::rename(old, output)?;
        }
        for dir in [&left.new, &left.old].into_iter().flatten() {
            remove_leftover(dir)?;
        }
        if let Some(lock) = &left.lock
            && pid != std::process::id()
        {
            let _ = fs::remove_file(lock);
        }
    }
    Ok(())
}

/// A temporary folder beside the output that the build writes files into as it produces them,
/// so no page is held in memory longer than it takes to write it. [`Staging::finish`] swaps it
/// in; dropped unfinished (an error, a panic), it is removed and the last good site stays.
/// While it lives, the build holds a lock beside the output ([`BuildLock`]); creating one
/// first cleans up what killed builds left ([`recover`]).
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    /// Folders already created, so each costs one `mkdir` for the whole build.
    created: Mutex<HashSet<PathBuf>>,
    finished: bool,
    /// Declared last: released after the staging folder is gone (fields drop in order).
    _lock: BuildLock,
}

impl Staging {
    /// Creates an empty staging folder for `output`, after cleaning up what killed builds
    /// left beside it.
    pub fn create(output: &Path) -> Result<Staging, SiteError> {
        let parent = output_parent(output);
        fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
        let lock = BuildLock::acquire(output).map_err(|e| write_error(parent, e))?;
        // Best effort: what cannot be cleaned up stays as it was, and the build goes on.
        let _ = recover(output);
        let dir = sibling(output, NEW);
        fs::create_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
        let staging = Staging {
            output: output.to_path_buf(),
            dir,
            created: Mutex::new(HashSet::new()),
            finished: false,
            _lock: lock,
        };
        // First, so a staging folder is recognisably ours however early the build dies.
        staging.write(
            MARKER,
            b"This folder is written by `opsbook build` and replaced on every build.\n",
        )?;
        Ok(staging)
    }
    /// Writes one file, `path` relative to the output folder. Safe to call from many threads.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SiteError> {
        let target = self.prepare(path)?;
        fs::write(&target, bytes).map_err(|e| write_error(&target, e))
    }

    /// Writes one file as `fill` produces it, through a buffer: a page of 200 MB (the
    /// follow-ups tracker of 100,000 documents) is never held whole. When writing fails,
    /// that is the error, whatever `fill` made of it. Safe to call from many threads.
    pub fn write_with<T>(
        &self,
        path: &str,
        fill: impl FnOnce(&mut dyn Write) -> Result<T, SiteError>,
    ) -> Result<T, SiteError> {
        let target = self.prepare(path)?;
        let file = fs::File::create(&target).map_err(|e| write_error(&target, e))?;
        let mut out = KeepsError {
            inner: std::io::BufWriter::with_capacity(64 * 1024, file),
            error: None,
        };
        let filled = fill(&mut out);
        // A failure to flush is kept in `out.error`, like any other.
        let _ = out.flush();
        match out.error.take() {
            Some(e) => Err(write_error(&target, e)),
            None => filled,
        }
    }

    /// The path of `path` in the staging folder, its folder created.
    fn prepare(&self, path: &str) -> Result<PathBuf, SiteError> {
        let target = self.dir.join(path);
        if let Some(parent) = target.parent()
            && parent != self.dir
        {
            let known = self
                .created
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(parent);
            if !known {
                // create_dir_all succeeds when another thread made the folder meanwhile.
                fs::create_dir_all(parent).map_err(|e| write_error(parent, e))?;
                self.created
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(parent.to_path_buf());
            }
        }
        Ok(target)
    }

    /// Swaps the finished folder in place of the output.
    pub fn finish(mut self) -> Result<(), SiteError> {
        swap(&self.dir, &self.output).map_err(|e| write_error(&self.output, e))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = remove_leftover(&self.dir);
        }
    }
}

/// A writer that keeps its first error, so a failed write is reported as the write error it
/// is even when the code writing (a template) wraps it in its own.
struct KeepsError<W> {
    inner: W,
    error: Option<std::io::Error>,
}

impl<W: Write> KeepsError<W> {
    fn kept<T>(&mut self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result
            && self.error.is_none()
        {
            self.error = Some(std::io::Error::new(e.kind(), e.to_string()));
        }
        result
    }
}

impl<W: Write> Write for KeepsError<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.kept(result)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.kept(result)
    }
}

fn write_error(path: &Path, e: std::io::Error) -> SiteError {
    SiteError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Replaces `output` with `staging`: two renames, so readers see the old or the new site.
fn swap(staging: &Path, output: &Path) -> std::io::Result<()> {
    if !output.exists() {
        return fs::rename(staging, output);
    }
    let old = sibling(output, OLD);
    fs::rename(output, &old)?;
    if let Err(e) = fs::rename(staging, output) {
        // Put the last good site back.
        let _ = fs::rename(&old, output);
        return Err(e);
    }
    remove_leftover(&old)
}

#[cfg(test)]
mod tests {
    use super::*;

    use rayon::prelude::*;

    fn write_site(out: &Path, files: &[(&str, &str)]) -> Result<(), SiteError> {
        let staging = Staging::create(out)?;
        for (path, text) in files {
            staging.write(path, text.as_bytes())?;
        }
        staging.finish()
    }

    /// A writer that takes `room` bytes, then fails as a full disk does.
    struct Full {
        room: usize,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if buf.len() > self.room {
                return Err(std::io::Error::other("No space left on device"));
            }
            self.room -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_that_fails_is_kept_whatever_the_writer_made_of_it() {
        let mut out = KeepsError {
            inner: Full { room: 4 },
            error: None,
        };
        out.write_all(b"abc").unwrap();
        // What a template engine does with an I/O error: its own error, without the cause.
        let _ = out.write_all(b"defg").map_err(|_| "template failed");
        assert_eq!(
            out.error.map(|e| e.to_string()).as_deref(),
            Some("No space left on device")
        );
    }

    #[test]
    fn a_file_written_through_a_buffer_has_every_byte_and_the_fill_errors_come_back() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = Staging::create(&out).unwrap();
        let big = vec![b'x'; 300 * 1024];
        let length = staging
            .write_with("a/b/big.html", |w| {
                w.write_all(&big)
                    .map_err(|e| write_error(Path::new("big"), e))?;
                Ok(big.len())
            })
            .unwrap();
        assert_eq!(length, big.len());
        let failed = staging.write_with("c.html", |_| -> Result<(), SiteError> {
            Err(SiteError::Template {
                name: "c.html".into(),
                message: "broken".into(),
            })
        });
        assert!(matches!(failed, Err(SiteError::Template { .. })));
        staging.finish().unwrap();
        assert_eq!(fs::read(out.join("a/b/big.html")).unwrap(), big);
    }

    #[test]
    fn replaces_the_old_site_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[("index.html", "one"), ("old/index.html", "x")]).unwrap();
        write_site(&out, &[("index.html", "two")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "two");
        assert!(!out.join("old").exists());
        assert!(out.join(MARKER).exists());
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "only public/ remains");
    }

    #[test]
    fn the_folders_above_the_output_are_made() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("a/b/public");
        write_site(&out, &[("index.html", "deep")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "deep");
        assert_eq!(names(&dir.path().join("a/b")), ["public"]);
    }

    #[test]
    fn refuses_a_foreign_non_empty_folder() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("thesis.tex"), "precious").unwrap();
        assert!(check_replaceable(dir.path()).is_err());
        let empty = tempfile::tempdir().unwrap();
        assert!(check_replaceable(empty.path()).is_ok());
        assert!(check_replaceable(&empty.path().join("new")).is_ok());
    }

    #[test]
    fn an_unfinished_build_leaves_the_last_site_and_no_staging_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[("index.html", "good")]).unwrap();
        {
            let staging = Staging::create(&out).unwrap();
            staging.write("index.html", b"half").unwrap();
            staging.write("a/b/page.html", b"half").unwrap();
            // Dropped without finish(): a template failed, or the search index.
        }
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "good");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["public"], "the staging folder is removed");
    }

    #[test]
    fn files_written_from_many_threads_all_arrive() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = Staging::create(&out).unwrap();
        (0..400).into_par_iter().for_each(|i| {
            let path = format!("section-{}/page-{i}/index.html", i % 7);
            staging.write(&path, i.to_string().as_bytes()).unwrap();
        });
        staging.finish().unwrap();
        for i in 0..400 {
            let path = out.join(format!("section-{}/page-{i}/index.html", i % 7));
            assert_eq!(fs::read_to_string(path).unwrap(), i.to_string());
        }
    }

    #[test]
    fn a_file_that_cannot_be_written_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let staging = Staging::create(&out).unwrap();
        staging.write("page", b"a file").unwrap();
        // A folder where a file already is.
        let err = staging.write("page/index.html", b"x").unwrap_err();
        assert!(
            matches!(&err, SiteError::Write { path, .. } if path.ends_with("page")),
            "{err:?}"
        );
        drop(staging);
        assert!(!out.exists(), "nothing was swapped in");
    }

    /// The id of a process that has exited.
    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    /// A folder a build left, with the marker and one page.
    fn leftover_site(dir: &Path, page: &str) {
        fs::create_dir_all(dir.join("runbooks/x")).unwrap();
        fs::write(dir.join(MARKER), "").unwrap();
        fs::write(dir.join("index.html"), page).unwrap();
        fs::write(dir.join("runbooks/x/index.html"), page).unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_build_killed_between_its_renames_is_undone_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let pid = dead_pid();
        // Output renamed away, the new site not yet renamed in, the lock left unlocked.
        leftover_site(&sibling_of(&out, OLD, pid), "last good");
        leftover_site(&sibling_of(&out, NEW, pid), "never swapped in");
        fs::write(sibling_of(&out, LOCK, pid), "").unwrap();

        let staging = Staging::create(&out).unwrap();
        assert_eq!(
            fs::read_to_string(out.join("index.html")).unwrap(),
            "last good",
            "the last good site is back before the build writes anything"
        );
        assert!(!sibling_of(&out, NEW, pid).exists());
        assert!(!sibling_of(&out, LOCK, pid).exists());
        drop(staging);
        // This build failed too: the restored site stays, nothing else.
        assert_eq!(names(dir.path()), ["public"]);
        assert_eq!(
            fs::read_to_string(out.join("runbooks/x/index.html")).unwrap(),
            "last good"
        );
    }

    #[test]
    fn folders_of_killed_builds_are_removed_by_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[("index.html", "good")]).unwrap();
        // kill -9 while writing: a staging folder and its lock.
        let writing = dead_pid();
        leftover_site(&sibling_of(&out, NEW, writing), "half");
        fs::write(sibling_of(&out, LOCK, writing), "").unwrap();
        // kill -9 after the swap, while the old site was being removed.
        let removing = dead_pid();
        leftover_site(&sibling_of(&out, OLD, removing), "older");
        fs::write(sibling_of(&out, LOCK, removing), "").unwrap();
        // An older opsbook: no lock file, no marker in its staging folder.
        let legacy = dead_pid();
        let legacy_dir = sibling_of(&out, NEW, legacy);
        fs::create_dir_all(legacy_dir.join("postmortems/y")).unwrap();
        fs::write(legacy_dir.join("postmortems/y/index.html"), "half").unwrap();

        write_site(&out, &[("index.html", "new")]).unwrap();
        assert_eq!(names(dir.path()), ["public"]);
        assert_eq!(fs::read_to_string(out.join("index.html")).unwrap(), "new");
    }

    #[test]
    fn a_removal_cut_short_stays_recognisable() {
        let dir = tempfile::tempdir().unwrap();
        let left = dir.path().join(".public.opsbook-new-1");
        leftover_site(&left, "x");
        remove_leftover(&left).unwrap();
        assert!(!left.exists());
        // The marker goes last: whatever was removed before it, it is still there.
        leftover_site(&left, "x");
        fs::remove_dir_all(left.join("runbooks")).unwrap();
        assert!(is_ours(&left));
    }

    #[test]
    fn a_live_build_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(&out, &[("index.html", "good")]).unwrap();
        let mut other = std::process::Command::new("sleep")
            .arg("60")
            .spawn()
            .unwrap();
        let live = other.id();
        // A build of this version: its lock is held.
        leftover_site(&sibling_of(&out, NEW, live), "being written");
        let lock = fs::File::create(sibling_of(&out, LOCK, live)).unwrap();
        lock.lock().unwrap();
        write_site(&out, &[("index.html", "mine")]).unwrap();
        assert!(sibling_of(&out, NEW, live).join("index.html").exists());
        // Its lock released but the process alive (a build that just took its lock).
        drop(lock);
        write_site(&out, &[("index.html", "mine")]).unwrap();
        assert!(sibling_of(&out, NEW, live).join("index.html").exists());
        // A build of an older version, without a lock file, while its process runs.
        fs::remove_file(sibling_of(&out, LOCK, live)).unwrap();
        write_site(&out, &[("index.html", "mine")]).unwrap();
        assert!(sibling_of(&out, NEW, live).join("index.html").exists());
        other.kill().unwrap();
        other.wait().unwrap();
        // Gone now: the next build cleans up.
        write_site(&out, &[("index.html", "mine")]).unwrap();
        assert_eq!(names(dir.path()), ["public"]);
    }

    #[test]
    fn only_exact_names_count() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        let pid = dead_pid();
        let keep = [
            format!(".public.opsbook-new-{pid}x"),
            format!(".public.opsbook-new-+{pid}"),
            format!(".public.opsbook-newer-{pid}"),
            format!(".other.opsbook-new-{pid}"),
            format!("public.opsbook-new-{pid}"),
        ];
        for name in &keep {
            leftover_site(&dir.path().join(name), "not a leftover of public/");
        }
        // A file where a folder would be, and a symlink to a folder: neither is followed.
        fs::write(sibling_of(&out, OLD, pid), "a file").unwrap();
        let target = dir.path().join("precious");
        leftover_site(&target, "precious");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&target, sibling_of(&out, NEW, pid)).unwrap();
        write_site(&out, &[("index.html", "built")]).unwrap();
        for name in &keep {
            assert!(dir.path().join(name).join("index.html").exists(), "{name}");
        }
        assert_eq!(
            fs::read_to_string(sibling_of(&out, OLD, pid)).unwrap(),
            "a file"
        );
        assert!(target.join("runbooks/x/index.html").exists());
    }
}
