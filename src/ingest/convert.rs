//! Old Word `.doc` and WPS `.wps` files, turned into `.docx` by LibreOffice in headless mode.
//!
//! Each conversion runs in a private temporary folder with its own LibreOffice user profile, so conversions
//! on parallel threads never share an instance or a lock; it is killed (with everything it started) when it
//! takes longer than [`TIMEOUT`]. The converter is `soffice` or `libreoffice` on the PATH, or the program
//! named by the `SHUZHI_SOFFICE` environment variable (set it empty to turn conversion off).

use crate::error::SkipReason;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Extensions converted through LibreOffice.
pub const CONVERTED_EXTENSIONS: [&str; 2] = ["doc", "wps"];
/// Environment variable naming the converter program; empty turns conversion off.
pub const CONVERTER_ENV: &str = "SHUZHI_SOFFICE";
/// How long one conversion may take (a first start of LibreOffice builds its profile: a few seconds).
pub const TIMEOUT: Duration = Duration::from_secs(180);

/// The converter program, looked up once per process.
pub fn converter() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| find_converter(std::env::var_os(CONVERTER_ENV), std::env::var_os("PATH")))
        .as_deref()
}

fn find_converter(named: Option<OsString>, path: Option<OsString>) -> Option<PathBuf> {
    if let Some(named) = named {
        if named.is_empty() {
            return None;
        }
        let named = PathBuf::from(named);
        if named.components().count() > 1 {
            return Some(named);
        }
        return search_path(named.as_os_str(), path.as_deref());
    }
    ["soffice", "libreoffice"]
        .iter()
        .find_map(|name| search_path(name.as_ref(), path.as_deref()))
}

fn search_path(name: &std::ffi::OsStr, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

#[cfg(unix)]
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}
#[cfg(not(unix))]
fn is_executable(p: &Path) -> bool {
    p.is_file()
}

/// What to tell a user who has a `.doc`/`.wps` and no converter.
pub fn how_to_convert(ext: &str) -> String {
    format!(
        "'.{ext}' is read through LibreOffice, which was not found (no soffice or libreoffice on the PATH, \
         or {CONVERTER_ENV} set empty): install LibreOffice, or convert the file yourself with \
         `soffice --headless --convert-to docx FILE.{ext}`, or save it as .docx in Word or WPS"
    )
}

/// Converts `bytes` (the content of a `.doc`/`.wps` file) to `.docx` with LibreOffice and returns the `.docx`.
///
/// # Errors
/// [`SkipReason::NoConverter`] when no converter is found;
/// [`SkipReason::Conversion`] when LibreOffice fails, makes no file, or takes longer than [`TIMEOUT`].
pub fn to_docx(bytes: &[u8], ext: &str) -> Result<Vec<u8>, SkipReason> {
    let Some(program) = converter() else {
        return Err(SkipReason::NoConverter {
            ext: ext.to_string(),
        });
    };
    run(program, bytes, ext, TIMEOUT)
}

fn failed(message: impl Into<String>) -> SkipReason {
    SkipReason::Conversion(message.into())
}

fn run(program: &Path, bytes: &[u8], ext: &str, timeout: Duration) -> Result<Vec<u8>, SkipReason> {
    let work = tempfile::Builder::new()
        .prefix("shuzhi-convert-")
        .tempdir()?;
    // A fixed ASCII name: the real one may hold characters LibreOffice's URL handling mangles.
    let input = work.path().join(format!("input.{ext}"));
    fs::write(&input, bytes)?;
    let out_dir = work.path().join("out");
    fs::create_dir(&out_dir)?;
    let profile = work.path().join("profile");
    let log = fs::File::create(work.path().join("log"))?;
    let mut cmd = Command::new(program);
    cmd.arg(format!("-env:UserInstallation={}", file_url(&profile)))
        .args([
            "--headless",
            "--invisible",
            "--norestore",
            "--nolockcheck",
            "--nodefault",
            "--convert-to",
            "docx:MS Word 2007 XML",
            "--outdir",
        ])
        .arg(&out_dir)
        .arg(&input)
        .env("HOME", work.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    own_process_group(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| failed(format!("cannot start {}: {e}", program.display())))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > timeout {
            kill_group(&mut child);
            return Err(failed(format!(
                "LibreOffice did not finish within {} s",
                timeout.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // LibreOffice can leave helpers behind in its group; they belong to this conversion only.
    kill_group(&mut child);
    let made = out_dir.join("input.docx");
    match fs::read(&made) {
        Ok(docx) if !docx.is_empty() => Ok(docx),
        _ => {
            let said = fs::read_to_string(work.path().join("log")).unwrap_or_default();
            let said = said
                .lines()
                .rfind(|l| !l.trim().is_empty() && !l.contains("javaldx"))
                .unwrap_or("no message");
            Err(failed(format!(
                "LibreOffice made no .docx ({status}; it said: {said})"
            )))
        }
    }
}

/// `file:///…` for a local folder, as LibreOffice's `-env:UserInstallation` wants it.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                url.push(b as char)
            }
            _ => url.push_str(&format!("%{b:02X}")),
        }
    }
    url
}

#[cfg(unix)]
fn own_process_group(cmd: &mut Command) {
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
}
#[cfg(not(unix))]
fn own_process_group(_cmd: &mut Command) {}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    // The group was made for this child alone (process_group(0) above), so its id is the child's.
    if let Ok(pid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}
#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a fake converter script; a script just written can be "busy" for a moment while another test
    /// thread forks, so that one error is retried.
    #[cfg(unix)]
    fn run_script(body: &str, timeout: Duration) -> SkipReason {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("fake-soffice");
        fs::write(&bin, body).unwrap();
        fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        loop {
            let err = run(&bin, b"x", "doc", timeout).unwrap_err();
            if !err.to_string().contains("Text file busy") {
                return err;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn converter_is_named_or_searched_or_off() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("libreoffice");
        fs::write(&bin, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&bin, fs::Permissions::from_mode(0o755)).unwrap();
        }
        let path = Some(dir.path().as_os_str().to_owned());
        assert_eq!(find_converter(None, path.clone()), Some(bin.clone()));
        assert_eq!(find_converter(Some("".into()), path.clone()), None);
        assert_eq!(
            find_converter(Some("libreoffice".into()), path.clone()),
            Some(bin.clone())
        );
        assert_eq!(
            find_converter(Some("/opt/lo/soffice".into()), None),
            Some(PathBuf::from("/opt/lo/soffice"))
        );
        assert_eq!(find_converter(None, None), None);
    }

    #[test]
    fn profile_url_is_escaped() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/报")),
            "file:///tmp/a%20b/%E6%8A%A5"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_converter_that_makes_nothing_is_a_conversion_error_with_its_words() {
        let err = run_script(
            "#!/bin/sh\necho 'Error: source file could not be loaded' >&2\n",
            TIMEOUT,
        );
        assert_eq!(err.kind(), "conversion_failed");
        assert!(
            err.to_string().contains("source file could not be loaded"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_converter_past_the_deadline_is_killed() {
        // Never returns by itself; only the kill ends it.
        let err = run_script("#!/bin/sh\nwhile :; do sleep 1; done\n", Duration::ZERO);
        assert!(err.to_string().contains("did not finish"), "{err}");
    }
}
