//! The `kbase` command line: parses arguments, calls the library, prints, and returns
//! the exit code (0 ok, 1 the input has errors, 2 usage or environment errors).
//! No logic lives here; everything it calls is in the `kbase` library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use kbase::article::load;
use kbase::config;
use kbase::diagnostic::Severity;
use kbase::legacy;

/// Knowledge-base article server and search engine for IT helpdesks.
#[derive(Parser)]
#[command(name = "kbase", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the articles over HTTP: JSON API and web pages.
    Serve {
        #[command(flatten)]
        articles: ArticlesArg,
        #[command(flatten)]
        data: DataArg,
        /// Address to listen on.
        #[arg(long, env = config::ENV_ADDR, default_value = config::DEFAULT_ADDR)]
        addr: String,
        /// Folder of page templates.
        #[arg(long, env = config::ENV_TEMPLATES, default_value = config::DEFAULT_TEMPLATES)]
        templates: PathBuf,
        /// Do not watch the articles folder for changes.
        #[arg(long)]
        no_watch: bool,
    },
    /// Convert legacy KB text articles into native articles.
    Import {
        /// Legacy .TXT files, or folders holding them.
        #[arg(required = true)]
        src: Vec<PathBuf>,
        /// Folder to write the articles to.
        #[arg(long)]
        out: PathBuf,
        /// Overwrite articles that differ from the import.
        #[arg(long)]
        force: bool,
        /// Write a JSON-lines report (file, id, status, message, warnings) to FILE.
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Bring the search index up to date with the articles.
    Index {
        #[command(flatten)]
        articles: ArticlesArg,
        #[command(flatten)]
        data: DataArg,
        /// Rebuild the index from scratch.
        #[arg(long)]
        rebuild: bool,
    },
    /// Validate article files and report problems as `file:line:column`.
    Check {
        #[command(flatten)]
        articles: ArticlesArg,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Search the articles from the command line.
    Search {
        /// The query.
        #[arg(required = true)]
        query: Vec<String>,
        #[command(flatten)]
        articles: ArticlesArg,
        #[command(flatten)]
        data: DataArg,
        /// Number of hits.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Print the API's JSON response.
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::Args)]
struct ArticlesArg {
    /// Folder of article files.
    #[arg(long, env = config::ENV_ARTICLES, default_value = config::DEFAULT_ARTICLES)]
    articles: PathBuf,
}

#[derive(clap::Args)]
struct DataArg {
    /// Folder for the index and other derived data.
    #[arg(long, env = config::ENV_DATA, default_value = config::DEFAULT_DATA)]
    data: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `file:line:column: severity: message` lines and a summary.
    Human,
    /// One JSON object per line per diagnostic; the summary goes to stderr.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check { articles, format } => check(&articles.articles, format),
        Command::Serve { .. } => Err(kbase::Error::NotBuilt("serve")),
        Command::Import {
            src,
            out,
            force,
            report,
            quiet,
        } => import(&src, &out, force, report.as_deref(), quiet),
        Command::Index { .. } => Err(kbase::Error::NotBuilt("index")),
        Command::Search { .. } => Err(kbase::Error::NotBuilt("search")),
    };
    result.unwrap_or_else(|e| {
        eprintln!("kbase: error: {e}");
        ExitCode::from(2)
    })
}

fn import(
    src: &[PathBuf],
    out: &std::path::Path,
    force: bool,
    report_path: Option<&std::path::Path>,
    quiet: bool,
) -> kbase::Result<ExitCode> {
    let bar = progress_bar(quiet, "importing");
    let options = legacy::ImportOptions { force };
    let report = legacy::import(src, out, options, &|| bar.inc(1))?;
    bar.finish_and_clear();
    if let Some(path) = report_path {
        let mut lines = String::new();
        for f in &report.files {
            lines.push_str(&f.to_json().to_string());
            lines.push('\n');
        }
        std::fs::write(path, lines).map_err(|e| kbase::Error::io(path, e))?;
    }
    const SHOWN: usize = 20;
    let troubles: Vec<_> = report
        .files
        .iter()
        .filter(|f| f.message.is_some())
        .collect();
    for f in troubles.iter().take(SHOWN) {
        let kind = if f.status == legacy::Status::Failed {
            "error"
        } else {
            "skipped"
        };
        eprintln!(
            "{}: {kind}: {}",
            f.file.display(),
            f.message.as_deref().unwrap_or("")
        );
    }
    if troubles.len() > SHOWN {
        eprintln!(
            "... and {} more (--report FILE lists every file)",
            troubles.len() - SHOWN
        );
    }
    eprintln!("{}", report.summary());
    Ok(ExitCode::from(u8::from(
        report.count(legacy::Status::Failed) > 0,
    )))
}

/// A progress bar on a terminal; hidden when quiet or when stderr is not a terminal.
fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new_spinner().with_message(what.to_owned());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg}: {pos} files, {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn check(root: &std::path::Path, format: Format) -> kbase::Result<ExitCode> {
    let started = Instant::now();
    let collection = load::load_dir(root)?;
    let summary = collection.summary(started.elapsed());
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    // A closed pipe (`kbase check | head`) is not an error worth reporting.
    let _ = (|| -> std::io::Result<()> {
        for d in &collection.diagnostics {
            match format {
                Format::Human => writeln!(out, "{d}")?,
                Format::Json => writeln!(out, "{}", d.to_json())?,
            }
        }
        match format {
            Format::Human => writeln!(out, "{summary}")?,
            Format::Json => eprintln!("{summary}"),
        }
        out.flush()
    })();
    Ok(ExitCode::from(u8::from(
        collection.count(Severity::Error) > 0,
    )))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
