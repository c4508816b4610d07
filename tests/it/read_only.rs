//! A data folder on a read-only file system (a read-only container image, a replica):
//! `kbase search` and `kbase serve` use its index as it is, say so, and refuse only what
//! would write. The folder is made read-only by a bind mount in a private user and mount
//! namespace (`unshare -rm`), which needs no privileges where user namespaces are on.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::repo;

/// `kbase args…` run with `data` mounted read-only, or `None` where this machine cannot
/// make the mount (allowed outside CI only: CI machines can).
fn kbase_read_only(data: &Path, args: &[&str]) -> Option<Command> {
    let can = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !can {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must be able to run `unshare -rm` for the read-only tests"
        );
        eprintln!("skipped: `unshare -rm` is not permitted here");
        return None;
    }
    let mut c = Command::new("unshare");
    c.args(["-rm", "sh", "-c"])
        .arg(r#"d="$1"; shift; mount --bind "$d" "$d" && mount -o remount,bind,ro "$d" && exec "$@""#)
        .arg("sh")
        .arg(data)
        .arg(env!("CARGO_BIN_EXE_kbase"))
        .args(args);
    Some(c)
}

/// A copy of the shipped articles and an index built for it.
fn indexed_site() -> (tempfile::TempDir, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    std::fs::create_dir(&articles).unwrap();
    for e in std::fs::read_dir(repo().join("articles")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), articles.join(e.file_name())).unwrap();
    }
    let data = dir.path().join("data");
    let (a, d) = (articles.display().to_string(), data.display().to_string());
    let built = Command::new(env!("CARGO_BIN_EXE_kbase"))
        .args(["index", "-q", "--articles", &a, "--data", &d])
        .status()
        .unwrap();
    assert!(built.success());
    (dir, a, d)
}

#[test]
fn search_reads_an_index_on_a_read_only_file_system_and_says_when_it_is_behind() {
    let (_dir, articles, data) = indexed_site();
    let args = [
        "search",
        "--articles",
        &articles,
        "--data",
        &data,
        "event id 5058",
    ];
    let Some(mut c) = kbase_read_only(Path::new(&data), &args) else {
        return;
    };
    let out = c.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.starts_with("Q190698"), "{stdout}");
    assert!(stderr.contains("cannot be written"), "{stderr}");
    assert!(!stderr.contains("differ"), "an up-to-date index: {stderr}");

    // An article edited since the index was built: still searchable, and said.
    let file = std::fs::read_dir(&articles)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str("\nOne more line.\n");
    std::fs::write(&file, text).unwrap();
    let out = kbase_read_only(Path::new(&data), &args)
        .unwrap()
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Q190698"));
    assert!(stderr.contains("1 article files differ"), "{stderr}");
}

#[tokio::test]
async fn serve_answers_from_a_read_only_data_folder_and_refuses_only_reindex() {
    let (_dir, articles, data) = indexed_site();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let token = "t".repeat(32);
    let db = _dir.path().join("kbase.db").display().to_string();
    let args = [
        "serve",
        "--database-url",
        &db,
        "--articles",
        &articles,
        "--data",
        &data,
        "--addr",
        &addr,
        "--admin-token",
        &token,
        "--templates",
        &repo().join("templates").display().to_string(),
    ];
    let Some(mut c) = kbase_read_only(Path::new(&data), &args) else {
        return;
    };
    let mut child = c
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let started = Instant::now();
    let ready = loop {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await {
            if r.status() == 200 {
                break r.json::<serde_json::Value>().await.unwrap();
            }
        }
        assert!(started.elapsed() < Duration::from_secs(30), "never ready");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(ready["read_only"], true, "{ready}");
    let shipped = std::fs::read_dir(repo().join("articles"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "md"))
        })
        .count();
    assert_eq!(ready["articles"], shipped, "{ready}");

    let hits: serde_json::Value = client
        .get(format!("{base}/api/v1/search?q=event+id+5058"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hits["hits"][0]["id"], "Q190698", "{hits}");
    let page = client
        .get(format!("{base}/kb/Q190698"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);

    let reindex = client
        .post(format!("{base}/api/v1/admin/reindex"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reindex.status(), 409);
    let problem: serde_json::Value = reindex.json().await.unwrap();
    assert_eq!(problem["code"], "read_only", "{problem}");

    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(
        log.matches("cannot be written").count(),
        1,
        "said once: {log}"
    );
}
