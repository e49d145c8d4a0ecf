//! Writes the site into a temporary folder beside the output and swaps it in only when every
//! file was written, so a failed build leaves the last good site in place and no stale file
//! from an earlier build lingers.

use std::fs;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

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

pub fn write_site(output: &Path, files: &[OutputFile]) -> Result<(), SiteError> {
    let err = |path: &Path, e: std::io::Error| SiteError::Write {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let staging = sibling(output, "opsbook-new");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(|e| err(&staging, e))?;
    }
    let result = (|| {
        fs::create_dir_all(&staging).map_err(|e| err(&staging, e))?;
        let mut dirs: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| Path::new(&f.path).parent().map(|p| staging.join(p)))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in &dirs {
            fs::create_dir_all(dir).map_err(|e| err(dir, e))?;
        }
        files.par_iter().try_for_each(|file| {
            let path = staging.join(&file.path);
            fs::write(&path, &file.bytes).map_err(|e| err(&path, e))
        })?;
        let marker = staging.join(MARKER);
        fs::write(
            &marker,
            "This folder is written by `opsbook build` and replaced on every build.\n",
        )
        .map_err(|e| err(&marker, e))
    })();
    if let Err(e) = result {
        let _ = fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap(&staging, output).map_err(|e| {
        let _ = fs::remove_dir_all(&staging);
        err(output, e)
    })
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

    fn file(path: &str, text: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn replaces_the_old_site_without_leftovers() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("public");
        write_site(
            &out,
            &[file("index.html", "one"), file("old/index.html", "x")],
        )
        .unwrap();
        write_site(&out, &[file("index.html", "two")]).unwrap();
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
}
