//! The `kbase` command line: parses arguments, calls the library, prints, and returns
//! the exit code (0 ok, 1 the input has errors, 2 usage or environment errors).
//! No logic lives here; everything it calls is in the `kbase` library.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use kbase::article::load;
use kbase::config;
use kbase::diagnostic::Severity;

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
        Command::Import { .. } => Err(kbase::Error::NotBuilt("import")),
        Command::Index { .. } => Err(kbase::Error::NotBuilt("index")),
        Command::Search { .. } => Err(kbase::Error::NotBuilt("search")),
    };
    result.unwrap_or_else(|e| {
        eprintln!("kbase: error: {e}");
        ExitCode::from(2)
    })
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
