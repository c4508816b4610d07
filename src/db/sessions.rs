//! Web sessions: a reader signs in on a page with an API token once, and the browser
//! then keeps a session cookie instead of the token.
//!
//! The cookie carries a secret of 32 random bytes (43 characters of URL-safe base64),
//! never the token, so a stolen cookie dies with its session while the token lives on.
//! The database keeps only the secret's SHA-256, as it does for tokens: a copy of the
//! database signs no one in. A presented secret is hashed and looked up, and the stored
//! hash is then compared with it in constant time. A session expires ([`SESSION_TTL`]),
//! ends on sign-out ([`Db::end_session`]), and ends with its token: revoking a token ends
//! its sessions, and a session whose token is revoked (or gone) is refused even if that
//! step was missed. Sessions of the bootstrap admin token (`KBASE_ADMIN_TOKEN`, no row in
//! `tokens`) have no token name; they keep that token's hash instead, and live only
//! while the server's admin token is still that one: changing the variable ends them.

use std::time::Duration;

use base64::Engine as _;
use sqlx::Row;
use subtle::ConstantTimeEq;

use super::secret::{self, hash};
use super::tokens::Role;
use super::{now_ms, Db, DbError};

/// How long a session lasts from sign-in: a working day and some, so a reader signs in
/// about once a day, while a cookie left on a shared or lost machine stops working by
/// the next day. It is not extended by use: a session's end is known when it starts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// How stale `last_seen_ms` may get: it is written at most once a minute per session,
/// so a page view is a read, not a write.
const TOUCH_EVERY_MS: i64 = 60_000;

/// How long an ended or expired session is kept before [`Db::prune_sessions`] deletes
/// it: long enough to see in the table when and why a reader was signed out.
const KEEP_ENDED_MS: i64 = 24 * 3600 * 1000;

/// The token a reader signed in with, as a session remembers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedInWith<'a> {
    /// A token of the `tokens` table, by name: revoking it ends the session.
    Token(&'a str),
    /// The bootstrap admin token itself (`KBASE_ADMIN_TOKEN`): the session keeps its
    /// hash, and ends when the server's admin token is another.
    AdminToken(&'a str),
}

/// A live session: who is signed in, as [`Db::session`] found them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The name of the token signed in with, so the pages can say who is signed in and
    /// a revocation of that token ends the session; `None` for the bootstrap admin
    /// token of the environment, which has no name in `tokens`.
    pub token_name: Option<String>,
    /// What the session may do: the token's role when it signed in.
    pub role: Role,
    /// When the session ends (ms since 1970), e.g. for the cookie's `Max-Age`.
    pub expires_ms: i64,
}

/// Whether `secret` has the shape of a secret [`Db::create_session`] makes (43
/// characters of URL-safe base64 for 32 bytes); anything else is no session, and never
/// reaches the database.
fn well_formed(secret: &str) -> bool {
    secret.len() == 43
        && base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(secret)
            .is_ok_and(|bytes| bytes.len() == 32)
}

/// `ttl` in ms, saturating rather than overflowing.
fn ms(ttl: Duration) -> i64 {
    i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX)
}

impl Db {
    /// Starts a session for a reader who signed in `with` a token, with `role`, lasting
    /// `ttl` (normally [`SESSION_TTL`]), and returns its secret, the cookie's value: 32
    /// random bytes as URL-safe base64 without padding. Only the secret's hash is
    /// stored; the secret is seen here and in the cookie, nowhere else.
    pub async fn create_session(
        &self,
        with: SignedInWith<'_>,
        role: Role,
        ttl: Duration,
    ) -> Result<String, DbError> {
        let secret = secret::make().map_err(|e| DbError::NoRandom(e.to_string()))?;
        let (token_name, admin_token_hash) = match with {
            SignedInWith::Token(name) => (Some(name), None),
            SignedInWith::AdminToken(token) => (None, Some(hash(token))),
        };
        let now = now_ms();
        let sql = self.sql(
            "INSERT INTO sessions \
             (hash, token_name, admin_token_hash, role, created_ms, expires_ms, last_seen_ms) \
             VALUES ($1, $2, $3, $4, $5, $6, $5)",
        );
        sqlx::query(&sql)
            .bind(hash(&secret))
            .bind(token_name)
            .bind(admin_token_hash)
            .bind(role.as_str())
            .bind(now)
            .bind(now.saturating_add(ms(ttl)))
            .execute(self.pool())
            .await?;
        Ok(secret)
    }

    /// The live session whose cookie holds `secret`: not expired, not ended, and, when
    /// it was started with a named token, that token still exists and is not revoked;
    /// when with the bootstrap admin token, `admin_token` (the server's, if it has one)
    /// is that token.
    /// A malformed secret is no session (`None`), not an error: cookies come from
    /// anyone. Notes when the session was last seen, at most once a minute.
    pub async fn session(
        &self,
        secret: &str,
        admin_token: Option<&str>,
    ) -> Result<Option<Session>, DbError> {
        if !well_formed(secret) {
            return Ok(None);
        }
        let presented = hash(secret);
        let now = now_ms();
        // With no admin token, `$3` is NULL and equals nothing: no bootstrap session.
        let sql = self.sql(
            "SELECT s.hash, s.token_name, s.role, s.expires_ms, s.last_seen_ms \
             FROM sessions s LEFT JOIN tokens t ON t.name = s.token_name \
             WHERE s.hash = $1 AND s.revoked_ms IS NULL AND s.expires_ms > $2 \
             AND ((s.token_name IS NULL AND s.admin_token_hash = $3) \
                  OR (t.name IS NOT NULL AND t.revoked_ms IS NULL))",
        );
        let Some(row) = sqlx::query(&sql)
            .bind(&presented)
            .bind(now)
            .bind(admin_token.map(hash))
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let stored: String = row.try_get("hash")?;
        if !bool::from(stored.as_bytes().ct_eq(presented.as_bytes())) {
            return Ok(None);
        }
        let Some(role) = Role::parse(&row.try_get::<String, _>("role")?) else {
            return Ok(None);
        };
        let session = Session {
            token_name: row.try_get("token_name")?,
            role,
            expires_ms: row.try_get("expires_ms")?,
        };
        let last_seen: i64 = row.try_get("last_seen_ms")?;
        if now.saturating_sub(last_seen) >= TOUCH_EVERY_MS {
            // The condition again in the statement: of requests arriving together, one
            // writes. A failed write loses only a time: the reader stays signed in.
            let sql = self.sql(
                "UPDATE sessions SET last_seen_ms = $1 WHERE hash = $2 AND last_seen_ms <= $3",
            );
            if let Err(e) = sqlx::query(&sql)
                .bind(now)
                .bind(&presented)
                .bind(now - TOUCH_EVERY_MS)
                .execute(self.pool())
                .await
            {
                tracing::debug!("a session's last-seen time was not written: {e}");
            }
        }
        Ok(Some(session))
    }

    /// Ends the session whose cookie holds `secret` (sign-out): it stops working at once,
    /// on every server sharing the database, even if the browser keeps the cookie.
    /// Whether a session not yet ended had this secret; a malformed secret is `false`.
    pub async fn end_session(&self, secret: &str) -> Result<bool, DbError> {
        if !well_formed(secret) {
            return Ok(false);
        }
        let sql =
            self.sql("UPDATE sessions SET revoked_ms = $1 WHERE hash = $2 AND revoked_ms IS NULL");
        let done = sqlx::query(&sql)
            .bind(now_ms())
            .bind(hash(secret))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every live session signed in with the token named `token_name`, as revoking
    /// that token does ([`super::tokens::revoke`]): a revoked token must not live on in
    /// the cookies it signed in. How many live sessions were ended.
    pub async fn revoke_sessions_of(&self, token_name: &str) -> Result<u64, DbError> {
        let now = now_ms();
        let sql = self.sql(
            "UPDATE sessions SET revoked_ms = $1 \
             WHERE token_name = $2 AND revoked_ms IS NULL AND expires_ms > $1",
        );
        let done = sqlx::query(&sql)
            .bind(now)
            .bind(token_name)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes the sessions that expired or were ended more than a day ago, so the
    /// table holds about a day of sign-ins rather than all of them. How many it deleted.
    /// Safe to run at any time, from any server.
    pub async fn prune_sessions(&self) -> Result<u64, DbError> {
        let before = now_ms().saturating_sub(KEEP_ENDED_MS);
        let sql = self.sql("DELETE FROM sessions WHERE expires_ms <= $1 OR revoked_ms <= $1");
        let done = sqlx::query(&sql).bind(before).execute(self.pool()).await?;
        Ok(done.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tokens;

    /// The server's bootstrap admin token in these tests.
    const ADMIN: &str = "kb_bootstrap-admin-token-of-the-tests";

    #[test]
    fn only_the_shape_of_a_made_secret_is_well_formed() {
        let made = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([7u8; 32]);
        assert!(well_formed(&made));
        assert!(!well_formed(""));
        assert!(!well_formed(&made[..42]));
        assert!(!well_formed(&format!("{made}A")));
        assert!(!well_formed(&format!("{}=", &made[..42])));
        assert!(!well_formed(&format!("+{}", &made[1..])), "not URL-safe");
        assert!(!well_formed(&format!("é{}", &made[2..])), "not ASCII");
        assert!(!well_formed(&"x".repeat(10_000)));
        assert_eq!(hash(&made).len(), 64);
        assert_eq!(ms(Duration::MAX), i64::MAX);
    }

    /// Moves every time of the session with `secret` `by_ms` into the past.
    async fn age(db: &Db, secret: &str, by_ms: i64) {
        let sql = db.sql(
            "UPDATE sessions SET created_ms = created_ms - $1, expires_ms = expires_ms - $1, \
             last_seen_ms = last_seen_ms - $1, revoked_ms = revoked_ms - $1 WHERE hash = $2",
        );
        sqlx::query(&sql)
            .bind(by_ms)
            .bind(hash(secret))
            .execute(db.pool())
            .await
            .unwrap();
    }

    async fn last_seen(db: &Db, secret: &str) -> i64 {
        let sql = db.sql("SELECT last_seen_ms FROM sessions WHERE hash = $1");
        sqlx::query(&sql)
            .bind(hash(secret))
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0)
    }

    #[tokio::test]
    async fn sessions_live_until_they_expire_end_or_lose_their_token() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("kbase.db").to_string_lossy())
            .await
            .unwrap();
        tokens::create(&db, "bot", Role::Agent).await.unwrap();
        tokens::create(&db, "other", Role::Agent).await.unwrap();

        // Found with its role and token; the bootstrap admin's has no token name.
        let bot = db
            .create_session(SignedInWith::Token("bot"), Role::Agent, SESSION_TTL)
            .await
            .unwrap();
        assert!(well_formed(&bot), "{bot}");
        let found = db.session(&bot, Some(ADMIN)).await.unwrap().unwrap();
        assert_eq!(found.token_name.as_deref(), Some("bot"));
        assert_eq!(found.role, Role::Agent);
        let expected = now_ms() + ms(SESSION_TTL);
        assert!((expected - 5_000..=expected).contains(&found.expires_ms));
        let admin = db
            .create_session(SignedInWith::AdminToken(ADMIN), Role::Admin, SESSION_TTL)
            .await
            .unwrap();
        assert_ne!(admin, bot);
        let found = db.session(&admin, Some(ADMIN)).await.unwrap().unwrap();
        assert_eq!((found.token_name, found.role), (None, Role::Admin));

        // Only the hash is stored.
        let rows: Vec<(String,)> = sqlx::query_as("SELECT hash FROM sessions")
            .fetch_all(db.pool())
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        for (stored,) in &rows {
            assert_ne!(stored, &bot);
            assert_ne!(stored, &admin);
            assert!(!stored.contains(&bot[..20]) && !stored.contains(&admin[..20]));
        }
        assert!(rows.iter().any(|(s,)| *s == hash(&bot)));

        // Wrong and malformed secrets are no session, not errors.
        let wrong = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0u8; 32]);
        for s in [&wrong[..], "", "kb_x", &bot[..42], &format!("{bot}x"), "é"] {
            assert_eq!(db.session(s, Some(ADMIN)).await.unwrap(), None, "{s}");
            assert!(!db.end_session(s).await.unwrap(), "{s}");
        }
        // The hash itself is no secret either.
        assert_eq!(db.session(&hash(&bot), Some(ADMIN)).await.unwrap(), None);

        // Seen at most once a minute.
        age(&db, &bot, 30_000).await;
        let aged = last_seen(&db, &bot).await;
        db.session(&bot, Some(ADMIN)).await.unwrap().unwrap();
        assert_eq!(
            last_seen(&db, &bot).await,
            aged,
            "written at most once a minute"
        );
        age(&db, &bot, 60_000).await;
        db.session(&bot, Some(ADMIN)).await.unwrap().unwrap();
        assert!(
            last_seen(&db, &bot).await >= now_ms() - 5_000,
            "noted again"
        );

        // Expired.
        let expired = db
            .create_session(SignedInWith::Token("bot"), Role::Agent, Duration::ZERO)
            .await
            .unwrap();
        assert_eq!(db.session(&expired, Some(ADMIN)).await.unwrap(), None);

        // Ended (sign-out), once.
        assert!(db.end_session(&admin).await.unwrap());
        assert!(!db.end_session(&admin).await.unwrap(), "ended already");
        assert_eq!(db.session(&admin, Some(ADMIN)).await.unwrap(), None);

        // A revoked token's sessions end, and would be refused even if they had not.
        let other = db
            .create_session(SignedInWith::Token("other"), Role::Agent, SESSION_TTL)
            .await
            .unwrap();
        let sql = db.sql("UPDATE tokens SET revoked_ms = $1 WHERE name = 'other'");
        sqlx::query(&sql)
            .bind(now_ms())
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(
            db.session(&other, Some(ADMIN)).await.unwrap(),
            None,
            "token revoked"
        );
        let ghost = db
            .create_session(SignedInWith::Token("nobody"), Role::Admin, SESSION_TTL)
            .await
            .unwrap();
        assert_eq!(
            db.session(&ghost, Some(ADMIN)).await.unwrap(),
            None,
            "no such token"
        );
        let again = db
            .create_session(SignedInWith::Token("bot"), Role::Agent, SESSION_TTL)
            .await
            .unwrap();
        tokens::revoke(&db, "bot").await.unwrap();
        assert_eq!(db.session(&bot, Some(ADMIN)).await.unwrap(), None);
        assert_eq!(db.session(&again, Some(ADMIN)).await.unwrap(), None);
        let sql = db.sql(
            "SELECT COUNT(*) FROM sessions WHERE token_name = 'bot' AND revoked_ms IS NOT NULL",
        );
        let ended: i64 = sqlx::query(&sql).fetch_one(db.pool()).await.unwrap().get(0);
        assert_eq!(ended, 2, "revoking the token ended its live sessions");
        assert_eq!(db.revoke_sessions_of("bot").await.unwrap(), 0, "none left");

        // Pruned a day after they ended or expired, not before.
        assert_eq!(db.prune_sessions().await.unwrap(), 0);
        for s in [&bot, &again, &admin, &expired] {
            age(&db, s, KEEP_ENDED_MS + 1).await;
        }
        assert_eq!(db.prune_sessions().await.unwrap(), 4);
        let left: i64 = sqlx::query("SELECT COUNT(*) FROM sessions")
            .fetch_one(db.pool())
            .await
            .unwrap()
            .get(0);
        assert_eq!(
            left, 2,
            "`other` and `ghost`, ended or refused today, are kept"
        );
        db.close().await;
    }
}
