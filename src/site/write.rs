//! Writes the site into a temporary folder beside the output and swaps it in only when every
//! file was written, so a failed build leaves the last good site in place and no stale file
//! from an earlier build lingers.

use std::collections::HashSet;
use std::fs;
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

fn sibling(output: &Path, tag: &str) -> PathBuf {
    let name = output
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
    let parent = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    parent.join(format!(".{name}.{tag}-{}", std::process::id()))
}

/// A temporary folder beside the output that the build writes files into as it produces them,
/// so no page is held in memory longer than it takes to write it. [`Staging::finish`] swaps it
/// in; dropped unfinished (an error, a panic), it is removed and the last good site stays.
pub struct Staging {
    output: PathBuf,
    dir: PathBuf,
    /// Folders already created, so each costs one `mkdir` for the whole build.
    created: Mutex<HashSet<PathBuf>>,
    finished: bool,
}

impl Staging {
    /// Creates an empty staging folder for `output` (removing one a crashed build left).
    pub fn create(output: &Path) -> Result<Staging, SiteError> {
        let dir = sibling(output, "opsbook-new");
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
        }
        fs::create_dir_all(&dir).map_err(|e| write_error(&dir, e))?;
        Ok(Staging {
            output: output.to_path_buf(),
            dir,
            created: Mutex::new(HashSet::new()),
            finished: false,
        })
    }

    /// Writes one file, `path` relative to the output folder. Safe to call from many threads.
    pub fn write(&self, path: &str, bytes: &[u8]) -> Result<(), SiteError> {
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
        fs::write(&target, bytes).map_err(|e| write_error(&target, e))
    }

    /// Marks the folder as a site and swaps it in place of the output.
    pub fn finish(mut self) -> Result<(), SiteError> {
        self.write(
            MARKER,
            b"This folder is written by `opsbook build` and replaced on every build.\n",
        )?;
        swap(&self.dir, &self.output).map_err(|e| write_error(&self.output, e))?;
        self.finished = true;
        Ok(())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.finished {
            let _ = fs::remove_dir_all(&self.dir);
        }
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
    let old = sibling(output, "opsbook-old");
    if old.exists() {
        fs::remove_dir_all(&old)?;
    }
    fs::rename(output, &old)?;
    if let Err(e) = fs::rename(staging, output) {
        // Put the last good site back.
        let _ = fs::rename(&old, output);
        return Err(e);
    }
    fs::remove_dir_all(&old)
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
}
