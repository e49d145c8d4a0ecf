//! Reads and parses every discovered file in parallel. A file that cannot be read becomes a
//! document with a read problem (reported by `unreadable-file`), never an abort.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Config;
use crate::discover::{SourceFile, TreeFile};
use crate::document::{Document, ReadProblem};

/// Files larger than this are not read (a pasted log or dump does not belong in a document).
pub const DEFAULT_MAX_FILE_BYTES: u64 = 5 * 1024 * 1024;
/// Template overrides (site pages, `opsbook new`) larger than this are refused.
pub const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// Reads and parses `files` in parallel, with the config's reading settings and file limit.
pub fn parse_all(files: &[SourceFile], config: &Config) -> Vec<Document> {
    files.par_iter().map(|f| parse_file(f, config)).collect()
}

/// [`parse_all`], letting go of each text and front matter tree once its document is parsed
/// ([`Document::release`]): what `opsbook lint` and `opsbook build` check, reading each
/// text again as they check it, so that they never hold every text and tree at once.
pub fn parse_all_released(files: &[SourceFile], config: &Config) -> Vec<Document> {
    files
        .par_iter()
        .map(|f| {
            let mut doc = parse_file(f, config);
            doc.release();
            doc
        })
        .collect()
}

/// Parses files read from a git tree (`--rev`), in parallel.
pub fn parse_tree_files(files: Vec<TreeFile>, config: &Config) -> Vec<Document> {
    let mapping = config.mapping();
    files
        .into_par_iter()
        .map(|file| {
            let path = std::path::PathBuf::from(&file.display);
            match file.bytes.and_then(decode) {
                Ok(text) => Document::parse_with(file.rel_path, path, Arc::new(text), mapping),
                Err(problem) => Document::unreadable(file.rel_path, path, problem),
            }
        })
        .collect()
}

/// Reads and parses one file (at most `lint.max_file_bytes` of it).
pub fn parse_file(file: &SourceFile, config: &Config) -> Document {
    let unreadable =
        |problem| Document::unreadable(file.rel_path.clone(), file.path.clone(), problem);
    if let Some(problem) = &file.link_problem {
        return unreadable(ReadProblem::Io(problem.clone()));
    }
    match read_text(file, config.lint.max_file_bytes) {
        Ok(text) => Document::parse_with(
            file.rel_path.clone(),
            file.path.clone(),
            Arc::new(text),
            config.mapping(),
        ),
        Err(problem) => unreadable(problem),
    }
}

fn read_text(file: &SourceFile, max_bytes: u64) -> Result<String, ReadProblem> {
    decode(read_regular_file(&file.path, max_bytes)?)
}

/// The bytes of the regular file at `path`, at most `max_bytes` of them. Anything else (a
/// FIFO, a socket, a device) is refused without blocking: on Unix the file is opened with
/// `O_NONBLOCK` (opening a FIFO otherwise waits for a writer) and the opened handle's type is
/// checked, so a file swapped after a check cannot slip through. Every file opsbook reads
/// from a knowledge base (documents, opsbook.toml, templates) is read through this.
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, ReadProblem> {
    let io = |e: std::io::Error| ReadProblem::Io(e.to_string());
    let handle = open_nonblocking(path).map_err(io)?;
    let meta = handle.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ReadProblem::NotAFile(file_type_name(&meta.file_type())));
    }
    let size = meta.len();
    if size > max_bytes {
        return Err(ReadProblem::TooLarge {
            size,
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read at most one byte past the limit in case the file grew since the metadata call.
    handle
        .take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(ReadProblem::TooLarge {
            size: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    Ok(bytes)
}

/// [`read_regular_file`] as UTF-8 text, with the problem as an I/O error (for opsbook.toml
/// and templates, whose errors name the file themselves).
pub fn read_regular_text(path: &Path, max_bytes: u64) -> std::io::Result<String> {
    read_regular_file(path, max_bytes)
        .and_then(decode)
        .map_err(|problem| std::io::Error::other(problem.to_string()))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

/// What a non-regular file is, for the message that refuses it.
fn file_type_name(file_type: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
    }
    if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// UTF-8 text, or why not. A NUL byte marks a binary file.
pub fn decode(bytes: Vec<u8>) -> Result<String, ReadProblem> {
    // A vectorised memchr: a byte-by-byte `any` was 4% of a lint, std's memchr 1%.
    if memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some() {
        return Err(ReadProblem::Binary);
    }
    String::from_utf8(bytes).map_err(|e| ReadProblem::NotUtf8 {
        valid_up_to: e.utf8_error().valid_up_to(),
    })
}
