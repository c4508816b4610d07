//! The page templates and static files, loaded at run time from the templates folder so
//! a deployment can restyle kbase without rebuilding it; the defaults are compiled in and
//! used for any file the folder does not have (or for all when there is no folder), so
//! the binary alone serves complete pages.
//!
//! Templates are minijinja, auto-escaping every value in `.html` and `.xml` templates;
//! article HTML (already sanitised) and snippets (already escaped) are marked safe by the
//! templates themselves. Article content is only ever passed as data, never as template
//! source. Every template is compiled when loaded, so a syntax error is reported with its
//! file and line before anything is served; a reload that fails keeps the last good set.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::Serialize;

use crate::error::{Error, Result};

/// Templates every page needs, with their compiled-in defaults.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("_hit.html", include_str!("../../templates/_hit.html")),
    ("_pages.html", include_str!("../../templates/_pages.html")),
    ("home.html", include_str!("../../templates/home.html")),
    ("search.html", include_str!("../../templates/search.html")),
    ("article.html", include_str!("../../templates/article.html")),
    ("event.html", include_str!("../../templates/event.html")),
    ("events.html", include_str!("../../templates/events.html")),
    (
        "products.html",
        include_str!("../../templates/products.html"),
    ),
    ("product.html", include_str!("../../templates/product.html")),
    (
        "not_found.html",
        include_str!("../../templates/not_found.html"),
    ),
    ("error.html", include_str!("../../templates/error.html")),
    (
        "insights.html",
        include_str!("../../templates/insights.html"),
    ),
    ("sign_in.html", include_str!("../../templates/sign_in.html")),
    (
        "sign_out.html",
        include_str!("../../templates/sign_out.html"),
    ),
    (
        "opensearch.xml",
        include_str!("../../templates/opensearch.xml"),
    ),
    ("review.html", include_str!("../../templates/review.html")),
    ("feed.xml", include_str!("../../templates/feed.xml")),
];

/// Static files under `/static/`, with their types and compiled-in defaults. Only these
/// names are served: no path from a URL reaches the file system.
const STATIC: &[(&str, &str, &str)] = &[
    (
        "kbase.css",
        "text/css; charset=utf-8",
        include_str!("../../templates/static/kbase.css"),
    ),
    (
        "kbase.js",
        "text/javascript; charset=utf-8",
        include_str!("../../templates/static/kbase.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../../templates/static/favicon.svg"),
    ),
];

/// A static file: its type and bytes.
#[derive(Debug, Clone)]
pub struct StaticFile {
    /// `Content-Type`.
    pub content_type: &'static str,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// A loaded, compiled set of templates and static files.
pub struct Templates {
    env: Environment<'static>,
    statics: HashMap<&'static str, StaticFile>,
    /// Where they came from, for the log.
    pub origin: String,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates")
            .field("origin", &self.origin)
            .finish()
    }
}

/// `path:line` of a template error (`(built-in) name` for a default template).
fn location(dir: Option<&Path>, e: &minijinja::Error) -> String {
    let file = e.name().unwrap_or("?");
    let path = dir.map_or_else(
        || format!("(built-in) {file}"),
        |d| d.join(file).display().to_string(),
    );
    let line = e.line().map_or(String::new(), |l| format!(":{l}"));
    format!("{path}{line}")
}

impl Templates {
    /// Loads the templates of `dir`, each missing file (or all, when `dir` is not a
    /// folder) from the defaults, and compiles them; a template that does not compile is
    /// an error naming its file and line.
    pub fn load(dir: &Path) -> Result<Templates> {
        let folder = dir.is_dir().then(|| dir.to_path_buf());
        let read = |name: &str| -> Result<Option<String>> {
            let Some(d) = &folder else { return Ok(None) };
            let path = d.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(Error::io(path, e)),
            }
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        let mut from_folder = 0;
        for (name, default) in TEMPLATES {
            let source = match read(name)? {
                Some(text) => {
                    from_folder += 1;
                    text
                }
                None => (*default).to_owned(),
            };
            env.add_template_owned(*name, source)
                .map_err(|source| Error::Template {
                    location: location(folder.as_deref(), &source),
                    source,
                })?;
        }
        let mut statics = HashMap::new();
        for (name, content_type, default) in STATIC {
            let bytes = match folder.as_ref().map(|d| d.join("static").join(name)) {
                Some(p) if p.is_file() => std::fs::read(&p).map_err(|e| Error::io(&p, e))?,
                _ => default.as_bytes().to_vec(),
            };
            statics.insert(
                *name,
                StaticFile {
                    content_type,
                    bytes,
                },
            );
        }
        let origin = match &folder {
            Some(d) if from_folder == TEMPLATES.len() => d.display().to_string(),
            Some(d) => format!(
                "{} ({from_folder} of {} templates; the rest built in)",
                d.display(),
                TEMPLATES.len()
            ),
            None => "built in".to_owned(),
        };
        Ok(Templates {
            env,
            statics,
            origin,
        })
    }

    /// Renders template `name` with `context`; a failure names the template and line.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(context))
            .map_err(|source| Error::Template {
                location: location(None, &source),
                source,
            })
    }

    /// The static file `name`, if it is one kbase serves.
    pub fn static_file(&self, name: &str) -> Option<&StaticFile> {
        self.statics.get(name)
    }
}

/// The folder templates are read from when it exists (for watching).
pub fn watched_dir(dir: &Path) -> Option<PathBuf> {
    dir.is_dir().then(|| dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_compile() {
        let t = Templates::load(Path::new("/nonexistent-kbase-templates")).unwrap();
        assert_eq!(t.origin, "built in");
        assert!(t.static_file("kbase.css").is_some());
        assert!(t.static_file("../Cargo.toml").is_none());
    }

    #[test]
    fn a_broken_template_is_reported_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("home.html"),
            "{% extends \"base.html\" %}\n{% block main %}\n{{ 1 + }}\n{% endblock %}\n",
        )
        .unwrap();
        let e = Templates::load(dir.path()).unwrap_err().to_string();
        assert!(e.contains("home.html:3"), "{e}");
        assert!(e.contains("template error"), "{e}");
    }
}
