//! Atomic file writes: a temp file beside the target, flushed to disk, then renamed over it. A reader (or a
//! run killed half-way) sees the old file or the new one, never half of one.

use crate::error::{Error, Result};
use std::io::Write;
use std::path::Path;

/// Prefix of temp files, so that litter from a killed run can be recognised and removed.
pub const TEMP_PREFIX: &str = ".shuzhi-tmp-";

/// Temp files are created private (0600); the finished file gets the target's old permissions, or
/// 0644 for a new file, like a file written in place.
fn publish_mode(file: &std::fs::File, target: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(target)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0o644);
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, target);
    Ok(())
}

/// The folder a path names a file in: its parent, or `.` for a bare file name.
pub fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically.
///
/// # Errors
/// I/O errors naming the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// Writes to `path` atomically through a buffered writer given to `fill`.
///
/// # Errors
/// I/O errors naming the target.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    let dir = folder_of(path);
    let err = |e: std::io::Error| Error::io(path, e);
    let tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(err)?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        fill(&mut w).map_err(err)?;
        w.flush().map_err(err)?;
    }
    tmp.as_file().sync_data().map_err(err)?;
    publish_mode(tmp.as_file(), path).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A file being written in place of `target`: a temp file until [`AtomicFile::commit`] renames it. Dropped
/// without commit, the temp file is removed and the target is untouched.
pub struct AtomicFile {
    target: std::path::PathBuf,
    writer: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing a replacement for `target`.
    ///
    /// # Errors
    /// The temp file cannot be created.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = folder_of(target);
        let tmp = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .tempfile_in(dir)
            .map_err(|e| Error::io(target, e))?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            writer: std::io::BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// Flushes, syncs and renames over the target.
    ///
    /// # Errors
    /// I/O errors naming the target.
    pub fn commit(self) -> Result<()> {
        let target = self.target;
        let err = |e: std::io::Error| Error::io(&target, e);
        let tmp = self.writer.into_inner().map_err(|e| err(e.into_error()))?;
        tmp.as_file().sync_data().map_err(err)?;
        publish_mode(tmp.as_file(), &target).map_err(err)?;
        tmp.persist(&target).map_err(|e| err(e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.writer.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Removes temp files left in `dir` by an interrupted run.
pub fn clean_litter(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.csv");
        write_atomic(&p, b"old").unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn failed_fill_keeps_the_old_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.csv");
        write_atomic(&p, b"old").unwrap();
        let r = write_atomic_with(&p, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(r.is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("report.html");
        write_atomic(&p, b"x").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o644
        );
    }

    #[test]
    fn litter_is_cleaned() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(format!("{TEMP_PREFIX}x")), b"").unwrap();
        std::fs::write(d.path().join("keep.csv"), b"").unwrap();
        clean_litter(d.path());
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }
}
