//! Benchmark: `kbase check` over a folder of 50,000 generated articles.
//!
//! Run with `cargo bench --bench check` (add `-- N` for another count). It writes the
//! articles into a temporary folder (varied front matter, four to six sections of a few
//! KB each, like imported KB articles), then loads and checks the folder three times from
//! a warm page cache and prints each run's wall time and rate. The generated text is
//! synthetic; nothing is read from outside the temporary folder.

use std::fmt::Write as _;
use std::time::Instant;

fn article(n: usize) -> String {
    let mut s = String::with_capacity(4096);
    let _ = write!(
        s,
        "---\nid: Q{n}\ntitle: Synthetic article {n} about event {} and error 0x8007{:04X}\n\
         products:\n  - name: Product {}\n    versions: [\"{}.0\"]\nplatforms: [Windows]\n\
         category: cat{}\npublished: 20{:02}-{:02}-{:02}\nevents:\n  - id: {}\n    source: Source{}\n\
         keywords: [kb{}, kbSynthetic]\nsee_also: [Q{}]\n---\n\n",
        n % 9000 + 1000,
        n % 65536,
        n % 40,
        n % 9 + 1,
        n % 25,
        n % 25,
        n % 12 + 1,
        n % 28 + 1,
        n % 65535 + 1,
        n % 300,
        n % 500,
        (n * 7) % 50_000,
    );
    let para = "When the service starts it reads its configuration, and if a value is \
                missing or damaged it logs an event and stops. The administrator sees the \
                event in the Application log and the service does not answer requests.\n";
    for (i, heading) in [
        "Symptoms",
        "Cause",
        "Resolution",
        "More information",
        "References",
    ]
    .iter()
    .enumerate()
    .take(3 + n % 3)
    {
        let _ = write!(s, "## {heading}\n\n");
        for p in 0..(2 + (n + i) % 5) {
            let _ = write!(s, "{para}Paragraph {p} of section {i} in article {n}.\n\n");
        }
        if i == 0 {
            s.push_str(
                "```text\nEvent Type: Error\nEvent Source: Synthetic\nEvent ID: 1000\n```\n\n",
            );
        }
    }
    s
}

fn main() {
    let count: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50_000);
    let dir = tempfile::tempdir().expect("temporary folder");
    let started = Instant::now();
    let mut bytes = 0;
    for n in 0..count {
        let sub = dir.path().join(format!("{:03}", n / 1000));
        if n % 1000 == 0 {
            std::fs::create_dir_all(&sub).expect("create folder");
        }
        let text = article(n + 10_000);
        bytes += text.len();
        std::fs::write(sub.join(format!("Q{}.md", n + 10_000)), text).expect("write article");
    }
    println!(
        "generated {count} articles ({:.1} MB) in {:.2} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    for run in 1..=3 {
        let started = Instant::now();
        let c = kbase::article::load::load_dir(dir.path()).expect("load");
        let secs = started.elapsed().as_secs_f64();
        println!(
            "run {run}: checked {} files, {} usable, {} diagnostics in {secs:.2} s ({:.0} files/s)",
            c.files,
            c.articles.len(),
            c.diagnostics.len(),
            c.files as f64 / secs
        );
    }
}
