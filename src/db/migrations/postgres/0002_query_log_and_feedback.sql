-- What was searched for: one row per search and per event or code it asked about (one
-- row with neither for a search of words), so demand is counted by a plain GROUP BY.
-- `lead` is 1 on the first row of each search, so searches are counted once. Kept for
-- --query-log-days, then deleted.
CREATE TABLE query_log (
    at_ms BIGINT NOT NULL,
    day BIGINT NOT NULL,
    via TEXT NOT NULL CHECK (via IN ('search', 'suggest')),
    query TEXT NOT NULL,
    read_as TEXT NOT NULL,
    normalised TEXT NOT NULL,
    event_source TEXT,
    event_id BIGINT,
    code TEXT,
    hits BIGINT NOT NULL,
    lead BIGINT NOT NULL,
    top_ids TEXT NOT NULL,
    top_id TEXT,
    client TEXT,
    ticket TEXT
);
CREATE INDEX query_log_by_time ON query_log (at_ms);

-- Readers' answers to "Did this fix it?" on an article page: counted apart from the
-- ticket links agents record; no client address is kept.
CREATE TABLE feedback (
    at_ms BIGINT NOT NULL,
    article TEXT NOT NULL,
    helped BIGINT NOT NULL CHECK (helped IN (0, 1)),
    ticket TEXT
);
CREATE INDEX feedback_by_article ON feedback (article);
