//! Shared pieces of the commands: resource paths, thread pools, progress bars.

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use shuzhi::segment::Segmenter;
use shuzhi::themes::Taxonomy;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Flags for the taxonomy, dictionary and stopword files used by training-side commands.
#[derive(clap::Args, Clone, Debug)]
pub struct ResourceArgs {
    /// Theme taxonomy.
    #[arg(long, default_value = "models/themes.toml")]
    pub themes: PathBuf,
    /// Domain user dictionary for jieba.
    #[arg(long, default_value = "models/userdict.txt")]
    pub dict: PathBuf,
    /// Stopword list.
    #[arg(long, default_value = "models/stopwords.txt")]
    pub stopwords: PathBuf,
}

/// The texts of the three resource files, read once.
pub struct Resources {
    pub taxonomy: Taxonomy,
    pub segmenter: Segmenter,
    pub themes_toml: String,
    pub userdict: String,
    pub stopwords: String,
}

impl ResourceArgs {
    pub fn load(&self) -> Result<Resources> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
        };
        let themes_toml = read(&self.themes)?;
        let userdict = read(&self.dict)?;
        let stopwords = read(&self.stopwords)?;
        Ok(Resources {
            taxonomy: Taxonomy::parse(&self.themes, &themes_toml)?,
            segmenter: Segmenter::new(&self.dict, &userdict, &stopwords)?,
            themes_toml,
            userdict,
            stopwords,
        })
    }
}

/// Sets the size of rayon's global pool (0 = all cores).
pub fn init_threads(n: usize) -> Result<()> {
    if n > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("setting up the thread pool")?;
    }
    Ok(())
}

/// A spinner for a long step, on stderr when it is a terminal; hidden otherwise or with `quiet`.
pub fn spinner(quiet: bool, msg: &str) -> ProgressBar {
    let pb = if quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
    };
    pb.set_style(
        ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.enable_steady_tick(std::time::Duration::from_millis(120));
    pb.set_message(msg.to_string());
    pb
}

/// Sends this process's stderr to /dev/null until dropped (for a library that prints debug output: linfa-bayes
/// 0.8.1 `dbg!`s its fitted arrays). A no-op where that cannot be done.
pub struct QuietStderr {
    #[cfg(unix)]
    saved: Option<i32>,
}

impl QuietStderr {
    pub fn new() -> QuietStderr {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let saved = std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/null")
                .ok()
                .and_then(|null| {
                    // SAFETY: dup/dup2 on valid descriptors; the saved copy is restored and closed on drop.
                    let saved = unsafe { libc::dup(2) };
                    (saved >= 0 && unsafe { libc::dup2(null.as_raw_fd(), 2) } >= 0).then_some(saved)
                });
            QuietStderr { saved }
        }
        #[cfg(not(unix))]
        QuietStderr {}
    }
}

impl Drop for QuietStderr {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Some(fd) = self.saved.take() {
            // SAFETY: restores the descriptor saved in `new`.
            unsafe {
                libc::dup2(fd, 2);
                libc::close(fd);
            }
        }
    }
}
