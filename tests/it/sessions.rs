//! Web sessions on each database the tests run on (SQLite always, PostgreSQL when
//! `KBASE_TEST_POSTGRES_URL` names a server): found while live, refused once expired,
//! ended, or their token revoked; stored only as a hash; pruned a day after they end.

use std::time::Duration;

use kbase::db::sessions::{SignedInWith, SESSION_TTL};
use kbase::db::tokens::{self, Role};
use kbase::db::{now_ms, Db};
use sqlx::{AnyConnection, Connection, Row};

use crate::tickets::fresh_postgres_database;

/// The server's bootstrap admin token in these tests.
const ADMIN: &str = "kb_bootstrap-admin-token-of-the-tests";

/// A fresh database of each kind the tests run on: its URL for a second connection that
/// reads the table directly, and the opened [`Db`].
async fn databases(dir: &std::path::Path) -> Vec<(String, Db)> {
    let mut urls = vec![format!("sqlite://{}", dir.join("kbase.db").display())];
    match std::env::var("KBASE_TEST_POSTGRES_URL") {
        Ok(base) => urls.push(fresh_postgres_database(&base).await),
        Err(_) => assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the database tests on PostgreSQL too: start one with `.ci/postgres start`"
        ),
    }
    let mut out = Vec::new();
    for url in urls {
        let db = Db::open(&url).await.unwrap();
        out.push((url, db));
    }
    out
}

async fn count(conn: &mut AnyConnection, filter: &str) -> i64 {
    sqlx::query(&format!("SELECT COUNT(*) FROM sessions WHERE {filter}"))
        .fetch_one(conn)
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_session_lives_until_it_expires_ends_or_its_token_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    for (url, db) in databases(dir.path()).await {
        let mut conn = AnyConnection::connect(&url).await.unwrap();
        tokens::create(&db, "bot", Role::Agent).await.unwrap();
        tokens::create(&db, "root", Role::Admin).await.unwrap();

        let bot = db
            .create_session(SignedInWith::Token("bot"), Role::Agent, SESSION_TTL)
            .await
            .unwrap();
        let root = db
            .create_session(SignedInWith::Token("root"), Role::Admin, SESSION_TTL)
            .await
            .unwrap();
        let boot = db
            .create_session(SignedInWith::AdminToken(ADMIN), Role::Admin, SESSION_TTL)
            .await
            .unwrap();
        assert_eq!(bot.len(), 43, "{bot}");
        assert!(bot
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        let found = db.session(&bot, Some(ADMIN)).await.unwrap().unwrap();
        assert_eq!(found.token_name.as_deref(), Some("bot"), "{url}");
        assert_eq!(found.role, Role::Agent);
        assert!(found.expires_ms > now_ms() + 11 * 3600 * 1000);
        assert_eq!(
            db.session(&root, Some(ADMIN)).await.unwrap().unwrap().role,
            Role::Admin
        );
        let found = db.session(&boot, Some(ADMIN)).await.unwrap().unwrap();
        assert_eq!((found.token_name, found.role), (None, Role::Admin));
        // The bootstrap session lives only while the server's admin token is its own:
        // a changed or removed token ends it; the named tokens' sessions do not care.
        assert_eq!(
            db.session(&boot, Some("kb_another")).await.unwrap(),
            None,
            "{url}"
        );
        assert_eq!(db.session(&boot, None).await.unwrap(), None, "{url}");
        assert!(db.session(&bot, None).await.unwrap().is_some(), "{url}");
        assert!(
            db.session(&boot, Some(ADMIN)).await.unwrap().is_some(),
            "{url}"
        );

        // The table holds hashes, never the secrets.
        let stored: Vec<String> = sqlx::query("SELECT hash FROM sessions")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(stored.len(), 3);
        for h in &stored {
            assert_eq!(h.len(), 64);
            assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
            assert!(![&bot, &root, &boot].contains(&h), "{h}");
        }
        assert_eq!(
            db.session(&stored[0], Some(ADMIN)).await.unwrap(),
            None,
            "a hash is no key"
        );

        // Wrong or malformed secrets: no session, no error.
        let mut wrong = bot.clone().into_bytes();
        wrong[0] = if wrong[0] == b'A' { b'B' } else { b'A' };
        let wrong = String::from_utf8(wrong).unwrap();
        for s in [wrong.as_str(), "", "kb_", &bot[1..], "%%%", "ü", "'; --"] {
            assert_eq!(db.session(s, Some(ADMIN)).await.unwrap(), None, "{s:?}");
            assert!(!db.end_session(s).await.unwrap(), "{s:?}");
        }

        // Expired at once.
        let expired = db
            .create_session(SignedInWith::Token("bot"), Role::Agent, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(db.session(&expired, Some(ADMIN)).await.unwrap(), None);

        // Signed out.
        assert!(db.end_session(&boot).await.unwrap());
        assert!(!db.end_session(&boot).await.unwrap());
        assert_eq!(db.session(&boot, Some(ADMIN)).await.unwrap(), None);

        // The token revoked: its sessions end; others' do not.
        tokens::revoke(&db, "bot").await.unwrap();
        assert_eq!(db.session(&bot, Some(ADMIN)).await.unwrap(), None);
        assert!(db.session(&root, Some(ADMIN)).await.unwrap().is_some());
        assert_eq!(
            count(&mut conn, "token_name = 'bot' AND revoked_ms IS NOT NULL").await,
            1,
            "the live one ended, the expired one left alone"
        );
        assert_eq!(db.revoke_sessions_of("root").await.unwrap(), 1);
        assert_eq!(db.session(&root, Some(ADMIN)).await.unwrap(), None);

        // Pruned a day after they ended or expired.
        assert_eq!(db.prune_sessions().await.unwrap(), 0);
        let day = 24 * 3600 * 1000 + 1;
        sqlx::query(&format!(
            "UPDATE sessions SET expires_ms = expires_ms - {day}, \
             revoked_ms = revoked_ms - {day} WHERE token_name = 'bot'"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(db.prune_sessions().await.unwrap(), 2);
        assert_eq!(count(&mut conn, "token_name = 'bot'").await, 0);
        assert_eq!(count(&mut conn, "1 = 1").await, 2, "ended today: kept");
        conn.close().await.unwrap();
        db.close().await;
    }
}
