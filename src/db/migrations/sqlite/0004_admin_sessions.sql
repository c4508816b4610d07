-- Sessions started with the bootstrap admin token (`KBASE_ADMIN_TOKEN`, no row in
-- `tokens`) keep that token's SHA-256 (hex): such a session is live only while the
-- server's admin token is still the one it was started with, so changing the variable
-- ends them. Sessions of named tokens leave it NULL; bootstrap sessions from before this
-- column have none, and end.
ALTER TABLE sessions ADD COLUMN admin_token_hash TEXT;
