//! Opening a file a user named (a report, a sheet, a labels file, a model or shard file) only when it is a
//! regular file: opening a named pipe for reading waits for a writer, and reading a device may never end.
//! Every such file is opened here, without blocking, and refused unless it is a regular file or a folder
//! (reading a folder fails at once with the system's own error).

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// What kind of file a non-regular, non-folder entry is, for messages.
pub fn kind(meta: &Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "named pipe";
        }
        if t.is_socket() {
            return "socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "device";
        }
    }
    let _ = meta;
    "special file"
}

/// The message of a refused file, as [`crate::error::SkipReason::NotRegular`] says it.
fn refused(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "not a regular file ({}); only regular files are read",
            kind(meta)
        ),
    )
}

/// `File::open` for reading that returns at once on a named pipe, socket or device, with an error.
///
/// # Errors
/// The system's error, or `InvalidInput` "not a regular file (named pipe); …".
pub fn open(path: &Path) -> io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Without O_NONBLOCK, opening a named pipe waits for a writer before fstat can tell what it is;
        // for a regular file the flag changes nothing.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() || meta.is_dir() {
        Ok(file)
    } else {
        Err(refused(&meta))
    }
}

/// `std::fs::read` through [`open`].
///
/// # Errors
/// As [`open`], and read errors.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = open(path)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `std::fs::read_to_string` through [`open`].
///
/// # Errors
/// As [`read`], and `InvalidData` when the file is not UTF-8.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let mut file = open(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_named_pipe_is_refused_without_waiting_and_a_file_is_read() {
        let d = tempfile::tempdir().unwrap();
        let fifo = d.path().join("p");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: mkfifo on a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_to_string(&fifo).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert_eq!(
            e.to_string(),
            "not a regular file (named pipe); only regular files are read"
        );
        let f = d.path().join("f");
        std::fs::write(&f, "党员").unwrap();
        assert_eq!(read_to_string(&f).unwrap(), "党员");
        assert!(read(d.path()).is_err(), "a folder is not read");
    }
}
