-- 006_perf.sql: the full-text index is kept in step by core/entity.c.
--
-- The triggers of 003_search.sql made every write to search_doc a
-- multi-statement write: SQLite opens a statement savepoint for it, and FTS5
-- flushes its pending terms to a new index segment at every savepoint, so a
-- bulk import wrote one tiny segment per document and spent most of its time
-- merging them. core/entity.c now adds and removes the `search` entries
-- itself, with single-row statements, right after it writes or deletes the
-- search_doc rows (same transaction), so the index holds exactly what the
-- triggers put there.

DROP TRIGGER search_doc_ai;
DROP TRIGGER search_doc_ad;
