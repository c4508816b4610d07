//! One small engine per fuzzing process: the shipped articles, indexed once into a
//! folder of the system's temporary directory, so that every input runs the whole path
//! of a real request (parse, plan, tantivy, hits) in microseconds.

use std::sync::OnceLock;

use indicatif::ProgressBar;
use kbase::index::{self, OpenOptions};
use kbase::search::Engine;

/// The engine every input of this process is run against.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        // Built as kbase's own example (CI) or as the `fuzz` crate (`cargo fuzz`).
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let articles = [root.join("articles"), root.join("../articles")]
            .into_iter()
            .find(|p| p.is_dir())
            .expect("kbase's shipped articles folder");
        let data = std::env::temp_dir().join(format!("kbase-fuzz-{}", std::process::id()));
        let (index, _) = index::open(
            &articles,
            &data,
            OpenOptions::default(),
            &ProgressBar::hidden(),
        )
        .expect("the shipped articles index");
        Engine::new(index).expect("an engine over the shipped articles")
    })
}
