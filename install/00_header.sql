/* permissions--1.1.sql: install script of the permissions extension, version 1.1 */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION permissions" to load this file. \quit

-- Built by make from install/*.sql, in name order; each file holds one
-- concern, and every object is defined once, in its current form, with its
-- COMMENT right after it (sql/catalog_comments.sql lists any object left
-- without one).  docs/design-sql-sources.md says which file holds what.
--
-- Every table is created WITH (vacuum_truncate = off): every tenant's rows
-- share the extension's tables, and VACUUM's truncation of a table's empty
-- end takes an exclusive lock that every tenant's reads and writes wait
-- behind; the free space is reused instead.

COMMENT ON SCHEMA permissions IS
'The permissions extension: multi-tenant accounts, users, performers and their data, every table under row-level security decided by C functions. Objects marked Internal are the extension''s own machinery.';
