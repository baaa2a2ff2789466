
-- install/79_ddl_guard.sql
-- ---------------------------------------------------------------------------
-- DDL on the relations every tenant's queries read.  In a database with the
-- extension, the library refuses to every role but superusers, before any
-- lock is taken, a utility statement that names one of the extension's
-- relations, a system catalog or an application table under protect_table()
-- (or its row type) where PostgreSQL would lock or change it: the object
-- worked on, a parent or partition, a foreign key's referenced table (unless
-- the role holds REFERENCES on it), LIKE, OWNED BY, a trigger's, rule's,
-- policy's or statistics' table, a comment's or label's object ...  Its
-- owner may.  A statement of a type the library does not know is refused
-- the same way.  The classifier behind it (src/ddl_guard.c) lists every
-- statement type; docs/security-ddl.md says what is refused and why.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.ddl_guard_statements()
RETURNS TABLE (statement text, handling text)
AS 'MODULE_PATHNAME', 'ddl_guard_statements'
LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.ddl_guard_statements() IS
'Internal: every statement node type the guard of utility statements knows (by its name in nodes.h, without T_) and how it is handled; a test compares them with the server''s list.';
REVOKE ALL ON FUNCTION permissions.ddl_guard_statements() FROM PUBLIC;
