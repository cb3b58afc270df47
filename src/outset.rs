//! The output folder as one unit. A run writes its whole set of files into a fresh sibling folder
//! (`.<out>.shuzhi-tmp-<pid>`), the run manifest last, and then swaps that folder with `--out` in one
//! rename (`renameat2(RENAME_EXCHANGE)` on Linux). Whenever the run stops, `--out` holds the complete
//! previous set or the complete new one, never a mix.
//!
//! A lock (`flock` on the output folder and on the run's own sibling) keeps a second run out while one is
//! writing; siblings left by a killed run are removed by the next run, and only when no run holds them.

use crate::error::{Error, Result};
use crate::render::OUTPUT_FILES;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The run manifest, written last into every output folder.
pub const RUN_MANIFEST: &str = "shuzhi-run.json";
/// Format of [`RunManifest`].
pub const MANIFEST_FORMAT: u32 = 1;

/// What a run was and what it wrote: the last file of every output set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunManifest {
    /// [`MANIFEST_FORMAT`].
    pub format: u32,
    /// Name of the run: a checksum of everything below, so equal runs have equal names.
    pub run: String,
    /// `shuzhi <version>`.
    pub tool: String,
    /// `analyze` or `merge`.
    pub command: String,
    /// The paths given (folders, files; for merge the shard folders).
    pub inputs: Vec<String>,
    /// Checksum of the list of report files found (ids and sizes), before sharding: equal for every shard
    /// of one corpus.
    pub corpus: String,
    /// Reports analysed.
    pub reports: u64,
    /// Inputs skipped.
    pub skipped: u64,
    /// The options that change the results.
    pub options: BTreeMap<String, serde_json::Value>,
    /// Checksum of `options`.
    pub options_checksum: String,
    /// The model folder used, or `<built-in model>`.
    pub model: String,
    /// Checksum of its `model.json`.
    pub model_checksum: String,
    /// The shards (`K/N`) this set covers; empty for a whole corpus.
    pub shards: Vec<crate::batch::Shard>,
    /// `sha256:…` of every other file in the set, by name.
    pub files: BTreeMap<String, String>,
}

impl RunManifest {
    /// Reads and parses the manifest of an output folder.
    ///
    /// # Errors
    /// A missing or unreadable manifest.
    pub fn load(dir: &Path) -> Result<RunManifest> {
        let p = dir.join(RUN_MANIFEST);
        let text = crate::regular_file::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
        serde_json::from_str(&text)
            .map_err(|e| Error::data(&p, 0, format!("not a run manifest: {e}")))
    }

    /// Checks that every file the manifest names is present with its checksum and that no other output
    /// is there.
    ///
    /// # Errors
    /// [`Error::Data`] naming the first file that differs.
    pub fn verify(&self, dir: &Path) -> Result<()> {
        let p = dir.join(RUN_MANIFEST);
        for (name, sum) in &self.files {
            let f = dir.join(name);
            if &file_checksum(&f).map_err(|e| Error::io(&f, e))? != sum {
                return Err(Error::data(
                    &p,
                    0,
                    format!(
                        "{name} differs from the checksum the run recorded (edited or damaged)"
                    ),
                ));
            }
        }
        for name in OUTPUT_FILES {
            if !self.files.contains_key(name) && dir.join(name).exists() {
                return Err(Error::data(
                    &p,
                    0,
                    format!("{name} is not part of the recorded run"),
                ));
            }
        }
        Ok(())
    }
}

/// Checks that output sets can be merged into one run: the same corpus, options and model, and shards of
/// one scheme that cover the corpus once each (no shard twice, no whole run beside a shard, none missing).
///
/// # Errors
/// [`Error::Invalid`] naming the folder at fault and why.
pub fn check_mergeable(sets: &[(PathBuf, RunManifest)]) -> Result<()> {
    let Some((first_dir, first)) = sets.first() else {
        return Err(Error::Invalid("nothing to merge".into()));
    };
    let bad = |d: &Path, why: String| Error::Invalid(format!("{}: {why}", d.display()));
    let mut n = None;
    let mut seen: Vec<u32> = Vec::new();
    for (d, m) in sets {
        for (what, a, b) in [
            (
                "model (model checksum)",
                &m.model_checksum,
                &first.model_checksum,
            ),
            ("options", &m.options_checksum, &first.options_checksum),
            ("corpus (files found)", &m.corpus, &first.corpus),
        ] {
            if a != b {
                return Err(bad(
                    d,
                    format!(
                        "another {what} than {}; shards must come from one run configuration",
                        first_dir.display()
                    ),
                ));
            }
        }
        if m.shards.is_empty() {
            return Err(bad(
                d,
                "a whole run, not a shard: it overlaps every other input".into(),
            ));
        }
        for sh in &m.shards {
            match n {
                None => n = Some(sh.n),
                Some(n) if n != sh.n => {
                    return Err(bad(
                        d,
                        format!("shard {sh} does not belong to a split into {n} shards"),
                    ))
                }
                _ => {}
            }
            if seen.contains(&sh.k) {
                return Err(bad(d, format!("shard {sh} is given twice")));
            }
            seen.push(sh.k);
        }
    }
    let n = n.unwrap_or(0);
    let missing: Vec<String> = (1..=n)
        .filter(|k| !seen.contains(k))
        .map(|k| format!("{k}/{n}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Invalid(format!(
            "shard {} missing: the merge would not be the whole corpus",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// `sha256:<hex>` of some bytes.
pub fn checksum(bytes: &[u8]) -> String {
    format!("sha256:{}", crate::themes::sha256_hex(bytes))
}

/// [`checksum`] of a file's contents, read in pieces: an output file of a large corpus can be larger than
/// everything else a run holds. Opened through [`crate::regular_file::open`].
///
/// # Errors
/// As that function, and read errors.
pub fn file_checksum(path: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = crate::regular_file::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(format!("sha256:{}", crate::themes::hex(&h.finalize())))
}

/// An output set being written: files go into [`OutputSet::dir`]; [`OutputSet::commit`] publishes them as
/// `--out`. Dropped without commit, the new files are removed and `--out` is untouched.
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
    _locks: Vec<File>,
    committed: bool,
}

/// Tries to take an exclusive lock on an open file or folder without waiting.
fn try_lock(f: &File) -> std::io::Result<bool> {
    match f.try_lock() {
        Ok(()) => Ok(true),
        Err(std::fs::TryLockError::WouldBlock) => Ok(false),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

/// Swaps two folders in one step where the system can, else with two renames.
fn exchange(a: &Path, b: &Path, spare: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::ffi::CString;
        use std::os::unix::ffi::OsStrExt;
        let ca = CString::new(a.as_os_str().as_bytes())?;
        let cb = CString::new(b.as_os_str().as_bytes())?;
        // SAFETY: two valid NUL-terminated paths; renameat2 only reads them.
        let r = unsafe {
            libc::syscall(
                libc::SYS_renameat2,
                libc::AT_FDCWD,
                ca.as_ptr(),
                libc::AT_FDCWD,
                cb.as_ptr(),
                libc::RENAME_EXCHANGE,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = std::io::Error::last_os_error();
        if !matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) {
            return Err(e);
        }
    }
    // No atomic exchange: `b` is missing between these renames; `begin` puts it back after a kill there.
    std::fs::rename(b, spare)?;
    std::fs::rename(a, b)?;
    std::fs::rename(spare, a)
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl OutputSet {
    /// Prepares a new output set for `out`: checks that `out` is an output folder (or new, or empty),
    /// takes the lock, removes what killed runs left and creates the run's own staging folder.
    ///
    /// # Errors
    /// `out` is a file or holds files that are not outputs; another run holds the lock; I/O errors.
    pub fn begin(out: &Path) -> Result<OutputSet> {
        let invalid = |m: String| Error::Invalid(m);
        match std::fs::metadata(out) {
            Ok(m) if !m.is_dir() => {
                return Err(invalid(format!(
                    "--out {} is a file; give a folder (new, empty or an earlier output folder)",
                    out.display()
                )))
            }
            Ok(_) => {}
            Err(_) => {
                let name = out.file_name().map(|n| n.to_string_lossy().into_owned());
                let parent = crate::atomic::folder_of(out);
                // A run killed between the two renames of `exchange` left the old set beside `out`.
                if let (Some(name), Ok(rd)) = (name, std::fs::read_dir(parent)) {
                    let spare = format!(".{name}.shuzhi-old-");
                    for e in rd.flatten() {
                        if e.file_name().to_string_lossy().starts_with(&spare) {
                            let _ = std::fs::rename(e.path(), out);
                            break;
                        }
                    }
                }
                std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
            }
        }
        let out = out.canonicalize().map_err(|e| Error::io(out, e))?;
        check_contents(&out)?;
        let (name, parent) = match (out.file_name(), out.parent()) {
            (Some(n), Some(p)) => (n.to_string_lossy().into_owned(), p.to_path_buf()),
            _ => {
                return Err(invalid(format!(
                    "--out {}: cannot be the root folder",
                    out.display()
                )))
            }
        };
        let out_lock = lock_folder(&out)?;
        remove_stale(&parent, &name);
        let staging = parent.join(format!(".{name}.shuzhi-tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&staging);
        std::fs::create_dir(&staging).map_err(|e| Error::io(&staging, e))?;
        #[cfg(unix)]
        if let Ok(m) = std::fs::metadata(&out) {
            let _ = std::fs::set_permissions(&staging, m.permissions());
        }
        let staging_lock = File::open(&staging).map_err(|e| Error::io(&staging, e))?;
        let _ = try_lock(&staging_lock);
        Ok(OutputSet {
            out,
            staging,
            _locks: vec![out_lock, staging_lock],
            committed: false,
        })
    }

    /// Where the new files go.
    pub fn dir(&self) -> &Path {
        &self.staging
    }

    /// The output folder (absolute).
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Writes the run manifest (with the checksum of every file written) and publishes the set as `--out`.
    ///
    /// # Errors
    /// I/O errors; `--out` is then the previous set.
    pub fn commit(mut self, mut manifest: RunManifest) -> Result<RunManifest> {
        let mut files = BTreeMap::new();
        for name in OUTPUT_FILES {
            let p = self.staging.join(name);
            match file_checksum(&p) {
                Ok(sum) => {
                    files.insert(name.to_string(), sum);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&p, e)),
            }
        }
        manifest.files = files;
        manifest.run = String::new();
        let body = serde_json::to_vec(&manifest).map_err(|e| Error::Invalid(e.to_string()))?;
        manifest.run = checksum(&body);
        let mut text =
            serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Invalid(e.to_string()))?;
        text.push(b'\n');
        crate::atomic::write_atomic(&self.staging.join(RUN_MANIFEST), &text)?;
        sync_dir(&self.staging).map_err(|e| Error::io(&self.staging, e))?;
        let spare = self.staging.with_file_name(
            self.staging
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .replace(".shuzhi-tmp-", ".shuzhi-old-"),
        );
        exchange(&self.staging, &self.out, &spare).map_err(|e| Error::io(&self.out, e))?;
        self.committed = true;
        if let Some(p) = self.out.parent() {
            let _ = sync_dir(p);
        }
        // The staging path now holds the previous set.
        let _ = std::fs::remove_dir_all(&self.staging);
        Ok(manifest)
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.staging);
        }
    }
}

/// Refuses an output folder that holds anything but outputs: replacing the set would remove it.
fn check_contents(out: &Path) -> Result<()> {
    let rd = std::fs::read_dir(out).map_err(|e| Error::io(out, e))?;
    let mut foreign: Vec<String> = rd
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n != RUN_MANIFEST
                && !OUTPUT_FILES.contains(&n.as_str())
                && !n.starts_with(crate::atomic::TEMP_PREFIX)
        })
        .collect();
    foreign.sort();
    if let Some(first) = foreign.first() {
        return Err(Error::Invalid(format!(
            "--out {} holds {first}{}, which shuzhi did not write; a run replaces the whole folder, so give \
             a new or empty folder, or an earlier output folder",
            out.display(),
            if foreign.len() > 1 {
                format!(" and {} other entries", foreign.len() - 1)
            } else {
                String::new()
            }
        )));
    }
    Ok(())
}

/// Locks the output folder, making sure the lock is on the folder that is `out` now (a finishing run may
/// just have swapped it).
fn lock_folder(out: &Path) -> Result<File> {
    for _ in 0..8 {
        let f = File::open(out).map_err(|e| Error::io(out, e))?;
        if !try_lock(&f).map_err(|e| Error::io(out, e))? {
            return Err(Error::Invalid(format!(
                "another shuzhi run is writing to {}; wait for it to finish or choose another --out",
                out.display()
            )));
        }
        let now = std::fs::metadata(out).map_err(|e| Error::io(out, e))?;
        let held = f.metadata().map_err(|e| Error::io(out, e))?;
        if same_file(&now, &held) {
            return Ok(f);
        }
    }
    Err(Error::Invalid(format!(
        "{} keeps changing; is another shuzhi run writing to it?",
        out.display()
    )))
}

/// Removes the staging folders that killed runs left beside `out` (those no live run holds).
fn remove_stale(parent: &Path, name: &str) {
    let Ok(rd) = std::fs::read_dir(parent) else {
        return;
    };
    let prefix = format!(".{name}.shuzhi-tmp-");
    for e in rd.flatten() {
        if !e.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let p = e.path();
        if let Ok(f) = File::open(&p) {
            if try_lock(&f).unwrap_or(false) {
                let _ = std::fs::remove_dir_all(&p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_checksum_is_the_checksum_of_its_bytes() {
        let dir = tempfile::tempdir().expect("temp dir");
        // Longer than one read, and not a multiple of it.
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 251) as u8).collect();
        let p = dir.path().join("f");
        std::fs::write(&p, &bytes).expect("write");
        assert_eq!(file_checksum(&p).expect("read"), checksum(&bytes));
        std::fs::write(&p, b"").expect("write");
        assert_eq!(file_checksum(&p).expect("read"), checksum(b""));
    }

    fn manifest() -> RunManifest {
        RunManifest {
            format: MANIFEST_FORMAT,
            run: String::new(),
            tool: "shuzhi test".into(),
            command: "analyze".into(),
            inputs: vec![],
            corpus: String::new(),
            reports: 0,
            skipped: 0,
            options: BTreeMap::new(),
            options_checksum: String::new(),
            model: String::new(),
            model_checksum: String::new(),
            shards: vec![],
            files: BTreeMap::new(),
        }
    }

    #[test]
    fn a_set_replaces_the_folder_whole_and_leaves_nothing_beside_it() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let s = OutputSet::begin(&out).unwrap();
        std::fs::write(s.dir().join("summary.md"), "one").unwrap();
        std::fs::write(s.dir().join("errors.csv"), "x").unwrap();
        s.commit(manifest()).unwrap();
        let s = OutputSet::begin(&out).unwrap();
        std::fs::write(s.dir().join("summary.md"), "two").unwrap();
        let m = s.commit(manifest()).unwrap();
        assert_eq!(
            std::fs::read_to_string(out.join("summary.md")).unwrap(),
            "two"
        );
        assert!(!out.join("errors.csv").exists());
        assert_eq!(m.files.len(), 1);
        RunManifest::load(&out).unwrap().verify(&out).unwrap();
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_set_leaves_the_old_one() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let s = OutputSet::begin(&out).unwrap();
        std::fs::write(s.dir().join("summary.md"), "one").unwrap();
        s.commit(manifest()).unwrap();
        let s = OutputSet::begin(&out).unwrap();
        std::fs::write(s.dir().join("summary.md"), "half").unwrap();
        drop(s);
        assert_eq!(
            std::fs::read_to_string(out.join("summary.md")).unwrap(),
            "one"
        );
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_second_set_waits_for_the_first() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("out");
        let first = OutputSet::begin(&out).unwrap();
        let second = OutputSet::begin(&out);
        assert!(second.is_err());
        assert!(first.dir().exists());
    }

    #[test]
    fn foreign_files_are_not_replaced() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("notes.txt"), "mine").unwrap();
        let e = OutputSet::begin(d.path()).err().unwrap().to_string();
        assert!(e.contains("notes.txt"), "{e}");
    }
}
