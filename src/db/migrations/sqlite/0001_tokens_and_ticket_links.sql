-- API tokens: only the SHA-256 of a token is kept (hex); a revoked token stays listed.
CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER
);

-- Which article a ticket was linked to, and what came of it: one row per ticket and
-- article, replaced when the ticket links the article again.
CREATE TABLE ticket_links (
    ticket TEXT NOT NULL,
    article TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('fixed', 'not_fixed', 'related')),
    section TEXT,
    event_source TEXT,
    event_id INTEGER,
    code TEXT,
    ticket_url TEXT,
    query TEXT,
    token TEXT,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (ticket, article)
);
CREATE INDEX ticket_links_by_article ON ticket_links (article);
