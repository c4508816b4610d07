//! The `kbase` command line: parses arguments, calls the library, prints, and returns
//! the exit code (0 ok, 1 the input has errors, 2 usage or environment errors).
//! No logic lives here; everything it calls is in the `kbase` library.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use kbase::article::{load, Date};
use kbase::config;
use kbase::diagnostic::Severity;
use kbase::legacy;
use kbase::search::{Engine, SearchError, SearchRequest};
use kbase::server::ServerConfig;

/// mimalloc: searches allocate many small short-lived strings, and a server on few cores
/// answers measurably more requests per second with it than with the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
        /// Bearer token enabling POST /api/v1/admin/reindex (at least 32 bytes).
        #[arg(long, env = config::ENV_ADMIN_TOKEN, hide_env_values = true)]
        admin_token: Option<String>,
        /// Origins allowed by CORS, comma-separated (CORS is off without them).
        #[arg(long, env = config::ENV_CORS_ORIGINS)]
        cors_origins: Option<String>,
        /// The address people reach kbase at, for canonical links (default: the request's Host).
        #[arg(long, env = config::ENV_PUBLIC_URL)]
        public_url: Option<String>,
        /// Requests served at once; more get 503 with Retry-After.
        #[arg(long, env = config::ENV_MAX_IN_FLIGHT, default_value_t = config::DEFAULT_MAX_IN_FLIGHT)]
        max_in_flight: usize,
        #[command(flatten)]
        synonyms: SynonymsArg,
        #[command(flatten)]
        database: DatabaseArg,
        /// Do not log searches (the insights then have nothing to show).
        #[arg(long)]
        no_query_log: bool,
        /// Keep each search's client address in the query log (off: no address is kept).
        #[arg(long)]
        log_clients: bool,
        /// Days the query log keeps searches.
        #[arg(long, value_name = "DAYS", default_value_t = config::DEFAULT_QUERY_LOG_DAYS)]
        query_log_days: u32,
        /// Who may read an article whose front matter has no `visibility`.
        #[arg(long, env = config::ENV_DEFAULT_VISIBILITY, value_enum, default_value_t = VisibilityArg::Public)]
        default_visibility: VisibilityArg,
        /// The header an authenticating proxy names its signed-in user in
        /// (X-Forwarded-User): such requests are agents'. Believed only from
        /// --trusted-proxy addresses.
        #[arg(long, env = config::ENV_TRUSTED_PROXY_HEADER, value_name = "HEADER", value_parser = header_name, requires = "trusted_proxy")]
        trusted_proxy_header: Option<axum::http::HeaderName>,
        /// The reverse proxy's address or range (CIDR: 10.0.0.0/8), repeated or
        /// comma-separated: requests from it are the reader's at the address it gives in
        /// X-Forwarded-For.
        #[arg(long, env = config::ENV_TRUSTED_PROXY, value_name = "CIDR", value_parser = cidr, value_delimiter = ',')]
        trusted_proxy: Vec<ipnet::IpNet>,
    },
    /// Manage API tokens (agent: ticket links; admin: also reindex and tokens).
    Token {
        #[command(subcommand)]
        action: TokenAction,
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Write a consistent copy of the SQLite database, also while a server uses it
    /// (PostgreSQL: use pg_dump).
    Backup {
        /// The copy to write (must not exist).
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArg,
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
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Validate article files and report problems as `file:line:column`.
    Check {
        #[command(flatten)]
        articles: ArticlesArg,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Report articles due for review as errors (exit code 1), not warnings.
        #[arg(long)]
        strict: bool,
        /// Instead of the report, list the articles due for review (`review_by` today or
        /// earlier) by owner, oldest first.
        #[arg(long, conflicts_with = "strict")]
        due: bool,
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
        #[command(flatten)]
        synonyms: SynonymsArg,
    },
}

#[derive(Subcommand)]
enum TokenAction {
    /// Make a token and print it, once: only its hash is kept.
    Create {
        /// What it may do.
        #[arg(long, value_parser = ["agent", "admin"])]
        role: String,
        /// A name to list and revoke it by (1-64 printable characters, no spaces).
        #[arg(long)]
        name: String,
    },
    /// List the tokens (names, roles, dates; never the tokens).
    List,
    /// Revoke a token: it stops working at once.
    Revoke {
        /// The token's name.
        name: String,
    },
}

#[derive(clap::Args)]
struct DatabaseArg {
    /// The database of tokens and ticket links: a SQLite file (created when missing)
    /// or postgres://USER:PASSWORD@HOST/DATABASE for several servers.
    #[arg(long, global = true, env = config::ENV_DATABASE_URL, default_value = kbase::db::DEFAULT_URL, hide_env_values = true)]
    database_url: String,
}

#[derive(clap::Args)]
struct SynonymsArg {
    /// Synonym file (YAML list of groups) extending the shipped list and the articles
    /// folder's .kbase/synonyms.yml.
    #[arg(long, env = config::ENV_SYNONYMS, value_name = "FILE")]
    synonyms: Option<PathBuf>,
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

/// Who may read an article that does not say.
#[derive(Clone, Copy, ValueEnum)]
enum VisibilityArg {
    /// Anyone who reaches the server.
    Public,
    /// Agents only.
    Internal,
}

/// `--trusted-proxy`: a range (`10.0.0.0/8`) or one address.
fn cidr(s: &str) -> Result<ipnet::IpNet, String> {
    let s = s.trim();
    s.parse::<ipnet::IpNet>()
        .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("`{s}` is not an address or a range such as 10.0.0.0/8"))
}

/// `--trusted-proxy-header`: an HTTP header name.
fn header_name(s: &str) -> Result<axum::http::HeaderName, String> {
    axum::http::HeaderName::from_bytes(s.trim().as_bytes())
        .map_err(|_| format!("`{s}` is not an HTTP header name"))
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// `file:line:column: severity: message` lines and a summary.
    Human,
    /// One JSON object per line per diagnostic (with `--due`, one array of articles);
    /// the summary goes to stderr.
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check {
            articles,
            format,
            strict,
            due,
        } => today().and_then(|today| {
            if due {
                check_due(&articles.articles, format, today)
            } else {
                check(&articles.articles, format, today, strict)
            }
        }),
        Command::Serve {
            articles,
            data,
            addr,
            templates,
            no_watch,
            admin_token,
            cors_origins,
            public_url,
            max_in_flight,
            synonyms,
            database,
            no_query_log,
            log_clients,
            query_log_days,
            default_visibility,
            trusted_proxy_header,
            trusted_proxy,
        } => {
            let mut config = ServerConfig::new(articles.articles, data.data);
            config.default_visibility = match default_visibility {
                VisibilityArg::Public => kbase::article::Visibility::Public,
                VisibilityArg::Internal => kbase::article::Visibility::Internal,
            };
            config.trusted_proxy_header = trusted_proxy_header;
            config.trusted_proxies = trusted_proxy;
            // A server that runs for days moves on with the clock unless told the day.
            if std::env::var_os(config::ENV_TODAY).is_some() {
                match today() {
                    Ok(t) => config.today = Some(t),
                    Err(e) => return fail(e),
                }
            }
            config.query_log = !no_query_log;
            config.log_clients = log_clients;
            config.query_log_days = query_log_days;
            config.templates = templates;
            config.watch = !no_watch;
            config.admin_token = admin_token.filter(|t| !t.is_empty());
            config.cors_origins = cors_origins
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
            config.max_in_flight = max_in_flight;
            config.public_url = public_url.filter(|u| !u.is_empty());
            config.synonyms = synonyms.synonyms;
            config.database_url = database.database_url;
            serve(config, &addr)
        }
        Command::Token { action, database } => token(action, &database.database_url),
        Command::Backup { file, database } => backup(&file, &database.database_url),
        Command::Import {
            src,
            out,
            force,
            report,
            quiet,
        } => import(&src, &out, force, report.as_deref(), quiet),
        Command::Index {
            articles,
            data,
            rebuild,
            quiet,
        } => index(&articles.articles, &data.data, rebuild, quiet),
        Command::Search {
            query,
            articles,
            data,
            limit,
            json,
            synonyms,
        } => search(
            &query.join(" "),
            &articles.articles,
            &data.data,
            limit,
            json,
            synonyms.synonyms.as_deref(),
        ),
    };
    result.unwrap_or_else(fail)
}

/// Prints `e` with its causes and gives exit code 2.
fn fail(e: kbase::Error) -> ExitCode {
    {
        // The cause chain, as ripgrep and zola print it; a cause the message above
        // already ends with (an I/O error after its path) is not repeated.
        let mut said = e.to_string();
        eprintln!("kbase: error: {said}");
        let mut cause = std::error::Error::source(&e);
        while let Some(c) = cause {
            let text = c.to_string();
            if !said.ends_with(&text) {
                eprintln!("  caused by: {text}");
            }
            said = text;
            cause = c.source();
        }
        ExitCode::from(2)
    }
}

/// Runs `work` on a one-thread runtime: the database commands are a few statements.
fn block_on<T>(work: impl std::future::Future<Output = kbase::Result<T>>) -> kbase::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(kbase::Error::Runtime)?
        .block_on(work)
}

/// `kbase token create|list|revoke`.
fn token(action: TokenAction, url: &str) -> kbase::Result<ExitCode> {
    use kbase::db::tokens::{self, Role};
    block_on(async {
        let db = kbase::db::Db::open(url).await?;
        let failed = |e: tokens::TokenError| kbase::Error::Token(e.to_string());
        match action {
            TokenAction::Create { role, name } => {
                let role = Role::parse(&role).unwrap_or(Role::Agent);
                let token = tokens::create(&db, &name, role).await.map_err(failed)?;
                println!("{token}");
                eprintln!(
                    "kbase: token `{name}` ({}) made; it is shown only now: keep it in your ticket system's secrets",
                    role.as_str()
                );
            }
            TokenAction::List => {
                let list = tokens::list(&db).await.map_err(failed)?;
                if list.is_empty() {
                    eprintln!("kbase: no tokens (kbase token create --role agent --name NAME)");
                }
                for t in list {
                    let state = t
                        .revoked
                        .map_or("live".to_owned(), |r| format!("revoked {r}"));
                    println!(
                        "{:<24} {:<6} created {}  {state}",
                        t.name,
                        t.role.as_str(),
                        t.created
                    );
                }
            }
            TokenAction::Revoke { name } => {
                tokens::revoke(&db, &name).await.map_err(failed)?;
                eprintln!("kbase: token `{name}` revoked");
            }
        }
        db.close().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// `kbase backup FILE`.
fn backup(file: &std::path::Path, url: &str) -> kbase::Result<ExitCode> {
    block_on(async {
        let db = kbase::db::Db::open(url).await?;
        db.backup(file).await?;
        db.close().await;
        eprintln!("kbase: wrote {}", file.display());
        Ok(ExitCode::SUCCESS)
    })
}

/// Runs the server until SIGINT or SIGTERM, logging to stderr (`RUST_LOG` sets the
/// level; `info` without the access log by default). The access log is opt-in: one
/// synchronous line per request to stderr cost 17-21% of throughput under load, and the
/// metrics endpoint counts and times every request anyway.
/// The log filter without `RUST_LOG`: everything at `info` but the access log.
const DEFAULT_LOG: &str = "info,kbase::access=off";

fn serve(config: ServerConfig, addr: &str) -> kbase::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(DEFAULT_LOG));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    // Word searches run on the blocking pool (`AppState::search`). CPU-bound work gains
    // nothing from more threads than cores, and each extra thread costs a stack and a
    // malloc arena: with tokio's default of 512, 32 concurrent clients held 1-2 GB and
    // spent their time switching. Twice the cores keeps a core busy while another
    // thread waits on a page fault; the rest wait their turn in order.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(2 * cores)
        .build()
        .map_err(kbase::Error::Runtime)?;
    runtime.block_on(kbase::server::run(config, addr))?;
    Ok(ExitCode::SUCCESS)
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
    let report =
        legacy::import_counted(src, out, options, &|total| bar.set_length(total), &|| {
            bar.inc(1)
        })?;
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

/// A progress bar on a terminal: the files done of the total (known once the folder
/// is scanned), the rate and the time left; hidden when quiet or when stderr is not a
/// terminal (the summary line that follows the work says what was done).
fn progress_bar(quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(0).with_message(what.to_owned());
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:30}] {human_pos}/{human_len} files · {rate} · {eta} left",
        )
        .map(|s| {
            s.progress_chars("=> ").with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} files/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn index(
    articles: &std::path::Path,
    data: &std::path::Path,
    rebuild: bool,
    quiet: bool,
) -> kbase::Result<ExitCode> {
    let bar = progress_bar(quiet, "indexing");
    let (_, report) = kbase::index::open(
        articles,
        data,
        kbase::index::OpenOptions {
            rebuild,
            verify: true,
        },
        &bar,
    )?;
    bar.finish_and_clear();
    for p in &report.problems {
        eprintln!("{p}");
    }
    eprintln!("{}", report.summary());
    Ok(ExitCode::SUCCESS)
}

/// Opens the index, up to date when possible: when another process is writing it, the
/// last committed index answers and a note says so.
fn open_engine(articles: &std::path::Path, data: &std::path::Path) -> kbase::Result<Engine> {
    let index = match kbase::index::open(
        articles,
        data,
        kbase::index::OpenOptions::default(),
        &ProgressBar::hidden(),
    ) {
        Ok((index, report)) => {
            for p in &report.problems {
                eprintln!("{p}");
            }
            index
        }
        // A server holds the index: its last commit is what it serves, and what this
        // search reads.
        Err(kbase::Error::IndexBusy(_)) => kbase::index::open_read_only(data)?,
        Err(kbase::Error::ReadOnly { path, .. }) => {
            let (index, behind) = kbase::index::open_frozen(data, articles)?;
            eprintln!(
                "kbase: note: {} cannot be written; searching its index as it is",
                path.display()
            );
            if behind > 0 {
                eprintln!("kbase: warning: {behind} article files differ from what that index holds; run `kbase index` where the data folder can be written");
            }
            index
        }
        Err(e) => return Err(e),
    };
    Ok(Engine::new(index)?)
}

fn search(
    q: &str,
    articles: &std::path::Path,
    data: &std::path::Path,
    limit: usize,
    json: bool,
    synonyms: Option<&std::path::Path>,
) -> kbase::Result<ExitCode> {
    let (list, problems) = kbase::search::synonyms::Synonyms::load(articles, synonyms);
    for p in problems {
        eprintln!("kbase: warning: {p}; the rest of the synonyms apply");
    }
    let engine = open_engine(articles, data)?.with_synonyms(list);
    let mut request = SearchRequest::new(q);
    request.limit = limit;
    request.facets = json;
    // Whoever can run this can read the article files: every article is searched,
    // drafts and internal ones marked.
    request.reader = kbase::search::Reader::Agent;
    let response = match engine.search(&request) {
        Ok(r) => r,
        Err(SearchError::BadRequest { param, message }) => {
            eprintln!("kbase: error: {param}: {message}");
            return Ok(ExitCode::from(2));
        }
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = (|| -> std::io::Result<()> {
        if json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&response).unwrap_or_default()
            )?;
        } else {
            if let Some(better) = &response.did_you_mean {
                writeln!(out, "Did you mean: {better}")?;
            }
            if response.hits.is_empty() {
                writeln!(out, "No article matches “{q}”.")?;
                let read = response.interpreted.in_words();
                if !read.is_empty() {
                    writeln!(out, "Looked for {read}.")?;
                }
                return out.flush();
            }
            if response.partial {
                writeln!(
                    out,
                    "No article has all the words; these have some of them."
                )?;
            }
            let width = console::Term::stdout()
                .size_checked()
                .map_or(100, |(_, cols)| usize::from(cols))
                .clamp(40, 120);
            let base = std::env::var(config::ENV_PUBLIC_URL)
                .map(|u| u.trim_end_matches('/').to_owned())
                .unwrap_or_default();
            for (n, hit) in response.hits.iter().enumerate() {
                let marks: Vec<&str> = [
                    hit.card.visibility.as_deref().filter(|v| *v == "internal"),
                    hit.card.status.as_deref(),
                ]
                .into_iter()
                .flatten()
                .collect();
                let marks = if marks.is_empty() {
                    String::new()
                } else {
                    format!("  [{}]", marks.join(", "))
                };
                if n > 0 {
                    writeln!(out)?;
                }
                for line in wrap(
                    &format!("{}  {}{marks}", hit.card.id, hit.card.title),
                    width,
                    "",
                ) {
                    writeln!(out, "{line}")?;
                }
                let link = hit.fix.as_ref().map_or(&hit.card.url, |f| &f.url);
                writeln!(out, "    {base}{link}")?;
                if let Some(fix) = &hit.fix {
                    let heading = if fix.heading.is_empty() {
                        "Fix"
                    } else {
                        &fix.heading
                    };
                    for line in wrap(&format!("{heading}: {}", fix.text), width, "    ") {
                        writeln!(out, "{line}")?;
                    }
                }
            }
            writeln!(out)?;
            writeln!(
                out,
                "{} of {}{} results in {:.1} ms",
                response.hits.len(),
                if response.total_exact { "" } else { "about " },
                response.total,
                response.took_ms
            )?;
        }
        out.flush()
    })();
    Ok(ExitCode::SUCCESS)
}

/// The day review dates are compared with: `KBASE_TODAY` when set (for tests and
/// reproducible runs), else today in UTC.
fn today() -> kbase::Result<Date> {
    match std::env::var_os(config::ENV_TODAY) {
        None => Ok(Date::today()),
        Some(value) => {
            Date::parse(&value.to_string_lossy()).map_err(|problem| kbase::Error::Setting {
                name: config::ENV_TODAY,
                problem,
            })
        }
    }
}

/// `text` cut at spaces into lines of at most `width` characters, each after `indent`
/// (a word longer than a line stands alone).
fn wrap(text: &str, width: usize, indent: &str) -> Vec<String> {
    let room = width.saturating_sub(indent.chars().count()).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > room {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

fn check(
    root: &std::path::Path,
    format: Format,
    today: Date,
    strict: bool,
) -> kbase::Result<ExitCode> {
    let started = Instant::now();
    let mut collection = load::load_dir(root)?;
    collection.check_reviews(today, strict);
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

/// `kbase check --due`: the articles due for review, by owner, oldest first; articles
/// with errors cannot be listed, and a note on stderr says how many files have them.
fn check_due(root: &std::path::Path, format: Format, today: Date) -> kbase::Result<ExitCode> {
    let collection = load::load_dir(root)?;
    let due = collection.due_for_review(today);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = (|| -> std::io::Result<()> {
        match format {
            Format::Json => writeln!(out, "{}", serde_json::to_string(&due).unwrap_or_default())?,
            Format::Human => {
                let mut owner = None;
                for (i, d) in due.iter().enumerate() {
                    if i == 0 || d.owner.as_deref() != owner {
                        owner = d.owner.as_deref();
                        writeln!(out, "{}", owner.unwrap_or("(no owner)"))?;
                    }
                    writeln!(out, "  {}  {}  {}  {}", d.review_by, d.id, d.title, d.path)?;
                }
            }
        }
        out.flush()
    })();
    let plural = if due.len() == 1 { "" } else { "s" };
    eprintln!("{} article{plural} due for review on {today}", due.len());
    let errors = collection.count(Severity::Error);
    if errors > 0 {
        eprintln!(
            "kbase: note: files with errors are not listed ({errors} found; run `kbase check`)"
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_well_formed() {
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
