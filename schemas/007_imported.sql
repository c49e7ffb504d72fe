-- 007_imported.sql: `entity.imported` is no longer a second copy of the spec.
--
-- `imported` holds the spec as last imported from files, for an entity
-- changed in baton since (`changed` IS NOT NULL; NULL there still means
-- never imported). While `changed` IS NULL the spec is exactly what the
-- files declared, and `imported` is now NULL instead of a copy of `spec`:
-- the imported text is coalesce(imported, spec) in that case. Every
-- import wrote each spec twice into this table (a third time into the
-- event); this halves the table. core/entity.c writes the new form; rows
-- of either form read the same, so this only compacts existing rows.

UPDATE entity SET imported = NULL WHERE changed IS NULL AND imported = spec;
