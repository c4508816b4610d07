-- Web sessions of readers signed in with a token: the cookie carries a random secret,
-- only its SHA-256 (hex) is kept. `token_name` is NULL for the bootstrap admin token of
-- the environment, which has no row in `tokens`. Ended sessions keep `revoked_ms`; a day
-- after they end or expire they are deleted.
CREATE TABLE sessions (
    hash TEXT PRIMARY KEY,
    token_name TEXT,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    last_seen_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX sessions_by_token ON sessions (token_name);
