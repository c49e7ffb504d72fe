-- 005_web.sql: API tokens and web sessions for `baton serve` (docs/web.md).
-- Neither table holds a secret: tokens and session ids are stored only as
-- BLAKE2b hashes (hex), so a copy of the database cannot be used to write.

CREATE TABLE web_token (
	name       TEXT PRIMARY KEY,
	hash       TEXT NOT NULL UNIQUE,   -- hex BLAKE2b-256 of the token text
	created_at TEXT NOT NULL,
	created_by TEXT NOT NULL,
	last_used  TEXT                    -- last write made with it
);

CREATE TABLE web_session (
	hash       TEXT PRIMARY KEY,       -- hex BLAKE2b-256 of the session id
	token      TEXT NOT NULL REFERENCES web_token(name) ON DELETE CASCADE,
	created_at TEXT NOT NULL,
	expires    INTEGER NOT NULL        -- Unix time
);
CREATE INDEX web_session_token ON web_session(token);
