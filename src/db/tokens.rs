//! API tokens: who may record ticket links (`agent`) and who may also reindex and manage
//! tokens (`admin`).
//!
//! A token is 32 random bytes, shown once when it is made (`kb_` and 43 characters of
//! URL-safe base64) and never again: the database keeps only its SHA-256, so a copy of
//! the database gives no one a token. A presented token is hashed and its hash looked
//! up; the stored hash is then compared with it in constant time, so how long a check
//! takes says nothing about how close a guess was. A revoked token stays listed (who had
//! it, until when) and stops working at once.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::secret::{self, hash};
use super::{now_ms, rfc3339, Db, DbError};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Records ticket links and feedback, reads insights.
    Agent,
    /// Everything an agent may, and reindexing and managing tokens.
    Admin,
}

impl Role {
    /// The role's name as stored and typed (`agent`, `admin`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }

    /// The role named `s`, or `None`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A token as listed: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenInfo {
    /// The name it was made with.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made (RFC 3339, UTC).
    pub created: String,
    /// When it was revoked, if it was.
    pub revoked: Option<String>,
}

/// Why a token could not be made or revoked.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// The name is empty, too long or not printable.
    #[error("a token's name is 1 to 64 printable characters without spaces: `{0}` is not")]
    BadName(String),
    /// A token (maybe revoked) has this name.
    #[error(
        "a token named `{0}` exists already (revoked tokens keep their names); choose another name"
    )]
    NameTaken(String),
    /// No token has this name.
    #[error("no token is named `{0}`")]
    NoSuchToken(String),
    /// The operating system gave no random bytes to make a token from.
    #[error("no random bytes for a token: {0}")]
    NoRandom(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for TokenError {
    fn from(e: sqlx::Error) -> Self {
        TokenError::Db(DbError::Query(e))
    }
}

/// Who a presented token belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bearer {
    /// The token's name (`KBASE_ADMIN_TOKEN` for the bootstrap token).
    pub name: String,
    /// What it may do.
    pub role: Role,
}

/// 1 to 64 visible ASCII characters, and not the bootstrap admin token's name, which
/// pages and logs show for that token: a token of that name would pass for it.
fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.chars().count())
        && name.chars().all(|c| c.is_ascii_graphic())
        && name != crate::config::ENV_ADMIN_TOKEN
}

/// Makes a token named `name` with `role`, stores its hash, and returns the token: the
/// only time it is seen.
pub async fn create(db: &Db, name: &str, role: Role) -> Result<String, TokenError> {
    if !valid_name(name) {
        return Err(TokenError::BadName(name.to_owned()));
    }
    let token = format!(
        "kb_{}",
        secret::make().map_err(|e| TokenError::NoRandom(e.to_string()))?
    );
    let sql = db.sql(
        "INSERT INTO tokens (name, role, hash, created_ms) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (name) DO NOTHING",
    );
    let done = sqlx::query(&sql)
        .bind(name)
        .bind(role.as_str())
        .bind(hash(&token))
        .bind(now_ms())
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(TokenError::NameTaken(name.to_owned()));
    }
    Ok(token)
}

/// Every token, by name, revoked ones included.
pub async fn list(db: &Db) -> Result<Vec<TokenInfo>, TokenError> {
    let rows = sqlx::query("SELECT name, role, created_ms, revoked_ms FROM tokens ORDER BY name")
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(TokenInfo {
                name: r.try_get("name")?,
                role: Role::parse(r.try_get::<String, _>("role")?.as_str()).unwrap_or(Role::Agent),
                created: rfc3339(r.try_get("created_ms")?),
                revoked: r.try_get::<Option<i64>, _>("revoked_ms")?.map(rfc3339),
            })
        })
        .collect()
}

/// Revokes the token named `name`: it stops working at once. Revoking a revoked token
/// is not an error.
pub async fn revoke(db: &Db, name: &str) -> Result<(), TokenError> {
    let sql = db.sql("UPDATE tokens SET revoked_ms = COALESCE(revoked_ms, $1) WHERE name = $2");
    let done = sqlx::query(&sql)
        .bind(now_ms())
        .bind(name)
        .execute(db.pool())
        .await?;
    if done.rows_affected() == 0 {
        return Err(TokenError::NoSuchToken(name.to_owned()));
    }
    // Its web sessions end too (`Db::session` refuses them anyway, should this fail).
    db.revoke_sessions_of(name).await?;
    Ok(())
}

/// Whose the presented `token` is, if it is a live token.
pub async fn verify(db: &Db, token: &str) -> Result<Option<Bearer>, DbError> {
    if token.is_empty() || token.len() > 256 {
        return Ok(None);
    }
    let presented = hash(token);
    let sql = db.sql("SELECT name, role, hash FROM tokens WHERE hash = $1 AND revoked_ms IS NULL");
    let Some(row) = sqlx::query(&sql)
        .bind(&presented)
        .fetch_optional(db.pool())
        .await?
    else {
        return Ok(None);
    };
    let stored: String = row.try_get("hash")?;
    if !bool::from(stored.as_bytes().ct_eq(presented.as_bytes())) {
        return Ok(None);
    }
    let role: String = row.try_get("role")?;
    Ok(Role::parse(&role).map(|role| Bearer {
        name: row.try_get("name").unwrap_or_default(),
        role,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert!(valid_name("helpdesk-bot"));
        assert!(!valid_name(""));
        assert!(!valid_name("two words"));
        assert!(!valid_name(&"x".repeat(65)));
        assert!(!valid_name("KBASE_ADMIN_TOKEN"));
    }
}
