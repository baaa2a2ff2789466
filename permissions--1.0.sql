/* permissions--1.0.sql: base install script of the permissions extension */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION permissions" to load this file. \quit

-- install/10_types.sql
--	  The extension's four C data types: tier, role, user_type and permset,
--	  with their comparison and set operators, btree and hash operator
--	  classes, casts, and helper functions.
--
-- Every function that cannot raise an error is LEAKPROOF, so that the
-- planner may evaluate it below a row-level security qual and use an index.

--------------------------------------------------------------------------
-- permissions.tier: access tier on performer data, none < tier4 < ... < tier1
--------------------------------------------------------------------------

CREATE TYPE permissions.tier;

CREATE FUNCTION permissions.tier_in(cstring)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'tier_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.tier_out(permissions.tier)
RETURNS cstring
AS 'MODULE_PATHNAME', 'tier_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.tier_recv(internal)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'tier_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.tier_send(permissions.tier)
RETURNS bytea
AS 'MODULE_PATHNAME', 'tier_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE permissions.tier (
	INTERNALLENGTH = 4,
	INPUT = permissions.tier_in,
	OUTPUT = permissions.tier_out,
	RECEIVE = permissions.tier_recv,
	SEND = permissions.tier_send,
	ALIGNMENT = int4,
	STORAGE = plain,
	PASSEDBYVALUE
);

CREATE FUNCTION permissions.tier_eq(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_ne(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_lt(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_le(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_gt(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_ge(permissions.tier, permissions.tier)
RETURNS boolean
AS 'MODULE_PATHNAME', 'tier_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_cmp(permissions.tier, permissions.tier)
RETURNS integer
AS 'MODULE_PATHNAME', 'tier_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_hash(permissions.tier)
RETURNS integer
AS 'MODULE_PATHNAME', 'tier_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_hash_extended(permissions.tier, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'tier_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_larger(permissions.tier, permissions.tier)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'tier_larger'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.tier_smaller(permissions.tier, permissions.tier)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'tier_smaller'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR permissions.= (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_eq,
	COMMUTATOR = OPERATOR(permissions.=), NEGATOR = OPERATOR(permissions.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);

CREATE OPERATOR permissions.<> (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_ne,
	COMMUTATOR = OPERATOR(permissions.<>), NEGATOR = OPERATOR(permissions.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR permissions.< (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_lt,
	COMMUTATOR = OPERATOR(permissions.>), NEGATOR = OPERATOR(permissions.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR permissions.<= (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_le,
	COMMUTATOR = OPERATOR(permissions.>=), NEGATOR = OPERATOR(permissions.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR permissions.> (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_gt,
	COMMUTATOR = OPERATOR(permissions.<), NEGATOR = OPERATOR(permissions.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR permissions.>= (
	LEFTARG = permissions.tier, RIGHTARG = permissions.tier,
	FUNCTION = permissions.tier_ge,
	COMMUTATOR = OPERATOR(permissions.<=), NEGATOR = OPERATOR(permissions.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS permissions.tier_ops
	DEFAULT FOR TYPE permissions.tier USING btree AS
		OPERATOR 1 permissions.< ,
		OPERATOR 2 permissions.<= ,
		OPERATOR 3 permissions.= ,
		OPERATOR 4 permissions.>= ,
		OPERATOR 5 permissions.> ,
		FUNCTION 1 permissions.tier_cmp(permissions.tier, permissions.tier);

CREATE OPERATOR CLASS permissions.tier_ops
	DEFAULT FOR TYPE permissions.tier USING hash AS
		OPERATOR 1 permissions.= ,
		FUNCTION 1 permissions.tier_hash(permissions.tier),
		FUNCTION 2 permissions.tier_hash_extended(permissions.tier, bigint);

CREATE AGGREGATE permissions.max(permissions.tier) (
	SFUNC = permissions.tier_larger,
	STYPE = permissions.tier,
	COMBINEFUNC = permissions.tier_larger,
	SORTOP = OPERATOR(permissions.>),
	PARALLEL = SAFE
);

CREATE AGGREGATE permissions.min(permissions.tier) (
	SFUNC = permissions.tier_smaller,
	STYPE = permissions.tier,
	COMBINEFUNC = permissions.tier_smaller,
	SORTOP = OPERATOR(permissions.<),
	PARALLEL = SAFE
);

COMMENT ON TYPE permissions.tier IS
	'access tier on performer data: none < tier4 < tier3 < tier2 < tier1 (aliases read_only, read_write, read_write_delete, full_control)';
COMMENT ON FUNCTION permissions.tier_in(cstring) IS 'text input for tier';
COMMENT ON FUNCTION permissions.tier_out(permissions.tier) IS 'text output for tier';
COMMENT ON FUNCTION permissions.tier_recv(internal) IS 'binary input for tier';
COMMENT ON FUNCTION permissions.tier_send(permissions.tier) IS 'binary output for tier';
COMMENT ON FUNCTION permissions.tier_eq(permissions.tier, permissions.tier) IS 'implementation of = for tier';
COMMENT ON FUNCTION permissions.tier_ne(permissions.tier, permissions.tier) IS 'implementation of <> for tier';
COMMENT ON FUNCTION permissions.tier_lt(permissions.tier, permissions.tier) IS 'implementation of < for tier';
COMMENT ON FUNCTION permissions.tier_le(permissions.tier, permissions.tier) IS 'implementation of <= for tier';
COMMENT ON FUNCTION permissions.tier_gt(permissions.tier, permissions.tier) IS 'implementation of > for tier';
COMMENT ON FUNCTION permissions.tier_ge(permissions.tier, permissions.tier) IS 'implementation of >= for tier';
COMMENT ON FUNCTION permissions.tier_cmp(permissions.tier, permissions.tier) IS 'btree comparison function for tier';
COMMENT ON FUNCTION permissions.tier_hash(permissions.tier) IS 'hash function for tier';
COMMENT ON FUNCTION permissions.tier_hash_extended(permissions.tier, bigint) IS 'seeded 64-bit hash function for tier';
COMMENT ON FUNCTION permissions.tier_larger(permissions.tier, permissions.tier) IS 'the more powerful of two tiers';
COMMENT ON FUNCTION permissions.tier_smaller(permissions.tier, permissions.tier) IS 'the less powerful of two tiers';
COMMENT ON OPERATOR permissions.= (permissions.tier, permissions.tier) IS 'equal';
COMMENT ON OPERATOR permissions.<> (permissions.tier, permissions.tier) IS 'not equal';
COMMENT ON OPERATOR permissions.< (permissions.tier, permissions.tier) IS 'less powerful than';
COMMENT ON OPERATOR permissions.<= (permissions.tier, permissions.tier) IS 'less powerful than or equal';
COMMENT ON OPERATOR permissions.> (permissions.tier, permissions.tier) IS 'more powerful than';
COMMENT ON OPERATOR permissions.>= (permissions.tier, permissions.tier) IS 'more powerful than or equal';
COMMENT ON OPERATOR CLASS permissions.tier_ops USING btree IS 'default btree operator class for tier';
COMMENT ON OPERATOR CLASS permissions.tier_ops USING hash IS 'default hash operator class for tier';
COMMENT ON AGGREGATE permissions.max(permissions.tier) IS 'most powerful tier of all input values';
COMMENT ON AGGREGATE permissions.min(permissions.tier) IS 'least powerful tier of all input values';

--------------------------------------------------------------------------
-- permissions.role: user < manager
--------------------------------------------------------------------------

CREATE TYPE permissions.role;

CREATE FUNCTION permissions.role_in(cstring)
RETURNS permissions.role
AS 'MODULE_PATHNAME', 'role_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.role_out(permissions.role)
RETURNS cstring
AS 'MODULE_PATHNAME', 'role_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.role_recv(internal)
RETURNS permissions.role
AS 'MODULE_PATHNAME', 'role_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.role_send(permissions.role)
RETURNS bytea
AS 'MODULE_PATHNAME', 'role_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE permissions.role (
	INTERNALLENGTH = 4,
	INPUT = permissions.role_in,
	OUTPUT = permissions.role_out,
	RECEIVE = permissions.role_recv,
	SEND = permissions.role_send,
	ALIGNMENT = int4,
	STORAGE = plain,
	PASSEDBYVALUE
);

CREATE FUNCTION permissions.role_eq(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_ne(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_lt(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_le(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_gt(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_ge(permissions.role, permissions.role)
RETURNS boolean
AS 'MODULE_PATHNAME', 'role_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_cmp(permissions.role, permissions.role)
RETURNS integer
AS 'MODULE_PATHNAME', 'role_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_hash(permissions.role)
RETURNS integer
AS 'MODULE_PATHNAME', 'role_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.role_hash_extended(permissions.role, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'role_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR permissions.= (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_eq,
	COMMUTATOR = OPERATOR(permissions.=), NEGATOR = OPERATOR(permissions.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);

CREATE OPERATOR permissions.<> (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_ne,
	COMMUTATOR = OPERATOR(permissions.<>), NEGATOR = OPERATOR(permissions.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR permissions.< (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_lt,
	COMMUTATOR = OPERATOR(permissions.>), NEGATOR = OPERATOR(permissions.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR permissions.<= (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_le,
	COMMUTATOR = OPERATOR(permissions.>=), NEGATOR = OPERATOR(permissions.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR permissions.> (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_gt,
	COMMUTATOR = OPERATOR(permissions.<), NEGATOR = OPERATOR(permissions.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR permissions.>= (
	LEFTARG = permissions.role, RIGHTARG = permissions.role,
	FUNCTION = permissions.role_ge,
	COMMUTATOR = OPERATOR(permissions.<=), NEGATOR = OPERATOR(permissions.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS permissions.role_ops
	DEFAULT FOR TYPE permissions.role USING btree AS
		OPERATOR 1 permissions.< ,
		OPERATOR 2 permissions.<= ,
		OPERATOR 3 permissions.= ,
		OPERATOR 4 permissions.>= ,
		OPERATOR 5 permissions.> ,
		FUNCTION 1 permissions.role_cmp(permissions.role, permissions.role);

CREATE OPERATOR CLASS permissions.role_ops
	DEFAULT FOR TYPE permissions.role USING hash AS
		OPERATOR 1 permissions.= ,
		FUNCTION 1 permissions.role_hash(permissions.role),
		FUNCTION 2 permissions.role_hash_extended(permissions.role, bigint);

COMMENT ON TYPE permissions.role IS 'role of a user in their account: user < manager';
COMMENT ON FUNCTION permissions.role_in(cstring) IS 'text input for role';
COMMENT ON FUNCTION permissions.role_out(permissions.role) IS 'text output for role';
COMMENT ON FUNCTION permissions.role_recv(internal) IS 'binary input for role';
COMMENT ON FUNCTION permissions.role_send(permissions.role) IS 'binary output for role';
COMMENT ON FUNCTION permissions.role_eq(permissions.role, permissions.role) IS 'implementation of = for role';
COMMENT ON FUNCTION permissions.role_ne(permissions.role, permissions.role) IS 'implementation of <> for role';
COMMENT ON FUNCTION permissions.role_lt(permissions.role, permissions.role) IS 'implementation of < for role';
COMMENT ON FUNCTION permissions.role_le(permissions.role, permissions.role) IS 'implementation of <= for role';
COMMENT ON FUNCTION permissions.role_gt(permissions.role, permissions.role) IS 'implementation of > for role';
COMMENT ON FUNCTION permissions.role_ge(permissions.role, permissions.role) IS 'implementation of >= for role';
COMMENT ON FUNCTION permissions.role_cmp(permissions.role, permissions.role) IS 'btree comparison function for role';
COMMENT ON FUNCTION permissions.role_hash(permissions.role) IS 'hash function for role';
COMMENT ON FUNCTION permissions.role_hash_extended(permissions.role, bigint) IS 'seeded 64-bit hash function for role';
COMMENT ON OPERATOR permissions.= (permissions.role, permissions.role) IS 'equal';
COMMENT ON OPERATOR permissions.<> (permissions.role, permissions.role) IS 'not equal';
COMMENT ON OPERATOR permissions.< (permissions.role, permissions.role) IS 'less than';
COMMENT ON OPERATOR permissions.<= (permissions.role, permissions.role) IS 'less than or equal';
COMMENT ON OPERATOR permissions.> (permissions.role, permissions.role) IS 'greater than';
COMMENT ON OPERATOR permissions.>= (permissions.role, permissions.role) IS 'greater than or equal';
COMMENT ON OPERATOR CLASS permissions.role_ops USING btree IS 'default btree operator class for role';
COMMENT ON OPERATOR CLASS permissions.role_ops USING hash IS 'default hash operator class for role';

--------------------------------------------------------------------------
-- permissions.user_type: full_access, single_performer, read_only
--------------------------------------------------------------------------

CREATE TYPE permissions.user_type;

CREATE FUNCTION permissions.user_type_in(cstring)
RETURNS permissions.user_type
AS 'MODULE_PATHNAME', 'user_type_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.user_type_out(permissions.user_type)
RETURNS cstring
AS 'MODULE_PATHNAME', 'user_type_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.user_type_recv(internal)
RETURNS permissions.user_type
AS 'MODULE_PATHNAME', 'user_type_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.user_type_send(permissions.user_type)
RETURNS bytea
AS 'MODULE_PATHNAME', 'user_type_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE permissions.user_type (
	INTERNALLENGTH = 4,
	INPUT = permissions.user_type_in,
	OUTPUT = permissions.user_type_out,
	RECEIVE = permissions.user_type_recv,
	SEND = permissions.user_type_send,
	ALIGNMENT = int4,
	STORAGE = plain,
	PASSEDBYVALUE
);

CREATE FUNCTION permissions.user_type_eq(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_ne(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_lt(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_le(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_gt(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_ge(permissions.user_type, permissions.user_type)
RETURNS boolean
AS 'MODULE_PATHNAME', 'user_type_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_cmp(permissions.user_type, permissions.user_type)
RETURNS integer
AS 'MODULE_PATHNAME', 'user_type_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_hash(permissions.user_type)
RETURNS integer
AS 'MODULE_PATHNAME', 'user_type_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.user_type_hash_extended(permissions.user_type, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'user_type_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE OPERATOR permissions.= (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_eq,
	COMMUTATOR = OPERATOR(permissions.=), NEGATOR = OPERATOR(permissions.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);

CREATE OPERATOR permissions.<> (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_ne,
	COMMUTATOR = OPERATOR(permissions.<>), NEGATOR = OPERATOR(permissions.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR permissions.< (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_lt,
	COMMUTATOR = OPERATOR(permissions.>), NEGATOR = OPERATOR(permissions.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR permissions.<= (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_le,
	COMMUTATOR = OPERATOR(permissions.>=), NEGATOR = OPERATOR(permissions.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR permissions.> (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_gt,
	COMMUTATOR = OPERATOR(permissions.<), NEGATOR = OPERATOR(permissions.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR permissions.>= (
	LEFTARG = permissions.user_type, RIGHTARG = permissions.user_type,
	FUNCTION = permissions.user_type_ge,
	COMMUTATOR = OPERATOR(permissions.<=), NEGATOR = OPERATOR(permissions.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS permissions.user_type_ops
	DEFAULT FOR TYPE permissions.user_type USING btree AS
		OPERATOR 1 permissions.< ,
		OPERATOR 2 permissions.<= ,
		OPERATOR 3 permissions.= ,
		OPERATOR 4 permissions.>= ,
		OPERATOR 5 permissions.> ,
		FUNCTION 1 permissions.user_type_cmp(permissions.user_type, permissions.user_type);

CREATE OPERATOR CLASS permissions.user_type_ops
	DEFAULT FOR TYPE permissions.user_type USING hash AS
		OPERATOR 1 permissions.= ,
		FUNCTION 1 permissions.user_type_hash(permissions.user_type),
		FUNCTION 2 permissions.user_type_hash_extended(permissions.user_type, bigint);

COMMENT ON TYPE permissions.user_type IS 'kind of user account: full_access, single_performer or read_only';
COMMENT ON FUNCTION permissions.user_type_in(cstring) IS 'text input for user_type';
COMMENT ON FUNCTION permissions.user_type_out(permissions.user_type) IS 'text output for user_type';
COMMENT ON FUNCTION permissions.user_type_recv(internal) IS 'binary input for user_type';
COMMENT ON FUNCTION permissions.user_type_send(permissions.user_type) IS 'binary output for user_type';
COMMENT ON FUNCTION permissions.user_type_eq(permissions.user_type, permissions.user_type) IS 'implementation of = for user_type';
COMMENT ON FUNCTION permissions.user_type_ne(permissions.user_type, permissions.user_type) IS 'implementation of <> for user_type';
COMMENT ON FUNCTION permissions.user_type_lt(permissions.user_type, permissions.user_type) IS 'implementation of < for user_type';
COMMENT ON FUNCTION permissions.user_type_le(permissions.user_type, permissions.user_type) IS 'implementation of <= for user_type';
COMMENT ON FUNCTION permissions.user_type_gt(permissions.user_type, permissions.user_type) IS 'implementation of > for user_type';
COMMENT ON FUNCTION permissions.user_type_ge(permissions.user_type, permissions.user_type) IS 'implementation of >= for user_type';
COMMENT ON FUNCTION permissions.user_type_cmp(permissions.user_type, permissions.user_type) IS 'btree comparison function for user_type';
COMMENT ON FUNCTION permissions.user_type_hash(permissions.user_type) IS 'hash function for user_type';
COMMENT ON FUNCTION permissions.user_type_hash_extended(permissions.user_type, bigint) IS 'seeded 64-bit hash function for user_type';
COMMENT ON OPERATOR permissions.= (permissions.user_type, permissions.user_type) IS 'equal';
COMMENT ON OPERATOR permissions.<> (permissions.user_type, permissions.user_type) IS 'not equal';
COMMENT ON OPERATOR permissions.< (permissions.user_type, permissions.user_type) IS 'less than (declaration order)';
COMMENT ON OPERATOR permissions.<= (permissions.user_type, permissions.user_type) IS 'less than or equal (declaration order)';
COMMENT ON OPERATOR permissions.> (permissions.user_type, permissions.user_type) IS 'greater than (declaration order)';
COMMENT ON OPERATOR permissions.>= (permissions.user_type, permissions.user_type) IS 'greater than or equal (declaration order)';
COMMENT ON OPERATOR CLASS permissions.user_type_ops USING btree IS 'default btree operator class for user_type';
COMMENT ON OPERATOR CLASS permissions.user_type_ops USING hash IS 'default hash operator class for user_type';

--------------------------------------------------------------------------
-- permissions.permset: a set of organization permissions
--------------------------------------------------------------------------

CREATE TYPE permissions.permset;

CREATE FUNCTION permissions.permset_in(cstring)
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permset_out(permissions.permset)
RETURNS cstring
AS 'MODULE_PATHNAME', 'permset_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permset_recv(internal)
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permset_send(permissions.permset)
RETURNS bytea
AS 'MODULE_PATHNAME', 'permset_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE permissions.permset (
	INTERNALLENGTH = 8,
	INPUT = permissions.permset_in,
	OUTPUT = permissions.permset_out,
	RECEIVE = permissions.permset_recv,
	SEND = permissions.permset_send,
	ALIGNMENT = double,
	STORAGE = plain,
	PASSEDBYVALUE
);

CREATE FUNCTION permissions.permset_eq(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_eq'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_ne(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_ne'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_lt(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_lt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_le(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_le'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_gt(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_gt'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_ge(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_ge'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_cmp(permissions.permset, permissions.permset)
RETURNS integer
AS 'MODULE_PATHNAME', 'permset_cmp'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_hash(permissions.permset)
RETURNS integer
AS 'MODULE_PATHNAME', 'permset_hash'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_hash_extended(permissions.permset, bigint)
RETURNS bigint
AS 'MODULE_PATHNAME', 'permset_hash_extended'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_contains(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_contains'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_contained(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_contained'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_overlaps(permissions.permset, permissions.permset)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_overlaps'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_union(permissions.permset, permissions.permset)
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_union'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_intersect(permissions.permset, permissions.permset)
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_intersect'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_minus(permissions.permset, permissions.permset)
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_minus'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_count(permissions.permset)
RETURNS integer
AS 'MODULE_PATHNAME', 'permset_count'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

CREATE FUNCTION permissions.permset_has(permissions.permset, text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'permset_has'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permset_from_array(text[])
RETURNS permissions.permset
AS 'MODULE_PATHNAME', 'permset_from_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permset_to_array(permissions.permset)
RETURNS text[]
AS 'MODULE_PATHNAME', 'permset_to_array'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION permissions.permission_names()
RETURNS text[]
AS 'MODULE_PATHNAME', 'permset_names'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE OPERATOR permissions.= (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_eq,
	COMMUTATOR = OPERATOR(permissions.=), NEGATOR = OPERATOR(permissions.<>),
	RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES
);

CREATE OPERATOR permissions.<> (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_ne,
	COMMUTATOR = OPERATOR(permissions.<>), NEGATOR = OPERATOR(permissions.=),
	RESTRICT = neqsel, JOIN = neqjoinsel
);

CREATE OPERATOR permissions.< (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_lt,
	COMMUTATOR = OPERATOR(permissions.>), NEGATOR = OPERATOR(permissions.>=),
	RESTRICT = scalarltsel, JOIN = scalarltjoinsel
);

CREATE OPERATOR permissions.<= (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_le,
	COMMUTATOR = OPERATOR(permissions.>=), NEGATOR = OPERATOR(permissions.>),
	RESTRICT = scalarlesel, JOIN = scalarlejoinsel
);

CREATE OPERATOR permissions.> (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_gt,
	COMMUTATOR = OPERATOR(permissions.<), NEGATOR = OPERATOR(permissions.<=),
	RESTRICT = scalargtsel, JOIN = scalargtjoinsel
);

CREATE OPERATOR permissions.>= (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_ge,
	COMMUTATOR = OPERATOR(permissions.<=), NEGATOR = OPERATOR(permissions.<),
	RESTRICT = scalargesel, JOIN = scalargejoinsel
);

CREATE OPERATOR permissions.@> (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_contains,
	COMMUTATOR = OPERATOR(permissions.<@),
	RESTRICT = contsel, JOIN = contjoinsel
);

CREATE OPERATOR permissions.<@ (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_contained,
	COMMUTATOR = OPERATOR(permissions.@>),
	RESTRICT = contsel, JOIN = contjoinsel
);

CREATE OPERATOR permissions.&& (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_overlaps,
	COMMUTATOR = OPERATOR(permissions.&&),
	RESTRICT = areasel, JOIN = areajoinsel
);

CREATE OPERATOR permissions.| (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_union,
	COMMUTATOR = OPERATOR(permissions.|)
);

CREATE OPERATOR permissions.& (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_intersect,
	COMMUTATOR = OPERATOR(permissions.&)
);

CREATE OPERATOR permissions.- (
	LEFTARG = permissions.permset, RIGHTARG = permissions.permset,
	FUNCTION = permissions.permset_minus
);

CREATE OPERATOR CLASS permissions.permset_ops
	DEFAULT FOR TYPE permissions.permset USING btree AS
		OPERATOR 1 permissions.< ,
		OPERATOR 2 permissions.<= ,
		OPERATOR 3 permissions.= ,
		OPERATOR 4 permissions.>= ,
		OPERATOR 5 permissions.> ,
		FUNCTION 1 permissions.permset_cmp(permissions.permset, permissions.permset);

CREATE OPERATOR CLASS permissions.permset_ops
	DEFAULT FOR TYPE permissions.permset USING hash AS
		OPERATOR 1 permissions.= ,
		FUNCTION 1 permissions.permset_hash(permissions.permset),
		FUNCTION 2 permissions.permset_hash_extended(permissions.permset, bigint);

CREATE CAST (text[] AS permissions.permset)
	WITH FUNCTION permissions.permset_from_array(text[])
	AS ASSIGNMENT;

CREATE CAST (permissions.permset AS text[])
	WITH FUNCTION permissions.permset_to_array(permissions.permset)
	AS ASSIGNMENT;

COMMENT ON TYPE permissions.permset IS
	'set of organization permissions, written {name,...}; see permissions.permission_names()';
COMMENT ON FUNCTION permissions.permset_in(cstring) IS 'text input for permset';
COMMENT ON FUNCTION permissions.permset_out(permissions.permset) IS 'text output for permset';
COMMENT ON FUNCTION permissions.permset_recv(internal) IS 'binary input for permset';
COMMENT ON FUNCTION permissions.permset_send(permissions.permset) IS 'binary output for permset';
COMMENT ON FUNCTION permissions.permset_eq(permissions.permset, permissions.permset) IS 'implementation of = for permset';
COMMENT ON FUNCTION permissions.permset_ne(permissions.permset, permissions.permset) IS 'implementation of <> for permset';
COMMENT ON FUNCTION permissions.permset_lt(permissions.permset, permissions.permset) IS 'implementation of < for permset';
COMMENT ON FUNCTION permissions.permset_le(permissions.permset, permissions.permset) IS 'implementation of <= for permset';
COMMENT ON FUNCTION permissions.permset_gt(permissions.permset, permissions.permset) IS 'implementation of > for permset';
COMMENT ON FUNCTION permissions.permset_ge(permissions.permset, permissions.permset) IS 'implementation of >= for permset';
COMMENT ON FUNCTION permissions.permset_cmp(permissions.permset, permissions.permset) IS 'btree comparison function for permset';
COMMENT ON FUNCTION permissions.permset_hash(permissions.permset) IS 'hash function for permset';
COMMENT ON FUNCTION permissions.permset_hash_extended(permissions.permset, bigint) IS 'seeded 64-bit hash function for permset';
COMMENT ON FUNCTION permissions.permset_contains(permissions.permset, permissions.permset) IS 'implementation of @> for permset';
COMMENT ON FUNCTION permissions.permset_contained(permissions.permset, permissions.permset) IS 'implementation of <@ for permset';
COMMENT ON FUNCTION permissions.permset_overlaps(permissions.permset, permissions.permset) IS 'implementation of && for permset';
COMMENT ON FUNCTION permissions.permset_union(permissions.permset, permissions.permset) IS 'implementation of | for permset';
COMMENT ON FUNCTION permissions.permset_intersect(permissions.permset, permissions.permset) IS 'implementation of & for permset';
COMMENT ON FUNCTION permissions.permset_minus(permissions.permset, permissions.permset) IS 'implementation of - for permset';
COMMENT ON FUNCTION permissions.permset_count(permissions.permset) IS 'number of permissions in the set';
COMMENT ON FUNCTION permissions.permset_has(permissions.permset, text) IS 'does the set hold the named permission (error if the name is unknown)';
COMMENT ON FUNCTION permissions.permset_from_array(text[]) IS 'permission set holding the permissions named in a text array';
COMMENT ON FUNCTION permissions.permset_to_array(permissions.permset) IS 'names of the permissions in a set, in canonical order';
COMMENT ON FUNCTION permissions.permission_names() IS 'every valid permission name, in canonical order';
COMMENT ON OPERATOR permissions.= (permissions.permset, permissions.permset) IS 'equal';
COMMENT ON OPERATOR permissions.<> (permissions.permset, permissions.permset) IS 'not equal';
COMMENT ON OPERATOR permissions.< (permissions.permset, permissions.permset) IS 'less than (bitmap order, for sorting)';
COMMENT ON OPERATOR permissions.<= (permissions.permset, permissions.permset) IS 'less than or equal (bitmap order, for sorting)';
COMMENT ON OPERATOR permissions.> (permissions.permset, permissions.permset) IS 'greater than (bitmap order, for sorting)';
COMMENT ON OPERATOR permissions.>= (permissions.permset, permissions.permset) IS 'greater than or equal (bitmap order, for sorting)';
COMMENT ON OPERATOR permissions.@> (permissions.permset, permissions.permset) IS 'contains';
COMMENT ON OPERATOR permissions.<@ (permissions.permset, permissions.permset) IS 'is contained by';
COMMENT ON OPERATOR permissions.&& (permissions.permset, permissions.permset) IS 'overlaps (have a permission in common)';
COMMENT ON OPERATOR permissions.| (permissions.permset, permissions.permset) IS 'union';
COMMENT ON OPERATOR permissions.& (permissions.permset, permissions.permset) IS 'intersection';
COMMENT ON OPERATOR permissions.- (permissions.permset, permissions.permset) IS 'difference';
COMMENT ON OPERATOR CLASS permissions.permset_ops USING btree IS 'default btree operator class for permset';
COMMENT ON OPERATOR CLASS permissions.permset_ops USING hash IS 'default hash operator class for permset';
COMMENT ON CAST (text[] AS permissions.permset) IS 'permission set from an array of permission names';
COMMENT ON CAST (permissions.permset AS text[]) IS 'array of the permission names in a set';

-- ---------------------------------------------------------------------------
-- Accounts, users, API credentials, the access epoch and the audit log
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.accounts (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint GENERATED ALWAYS AS (id) STORED,
    parent_id   bigint REFERENCES permissions.accounts (id),
    name        text NOT NULL CHECK (name <> ''),
    phone       text,
    address     text,
    logo_url    text,
    settings    jsonb NOT NULL DEFAULT '{}',
    plan        text NOT NULL DEFAULT 'standard',
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX accounts_parent_id_idx ON permissions.accounts (parent_id);
COMMENT ON TABLE permissions.accounts IS 'Tenants. An account may have sub-accounts through parent_id; managers of an account manage its whole subtree.';

CREATE TABLE permissions.users (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    db_role     regrole UNIQUE,
    username    text NOT NULL UNIQUE CHECK (username <> ''),
    email       text,
    first_name  text,
    last_name   text,
    picture_url text,
    role        permissions.role NOT NULL DEFAULT 'user',
    user_type   permissions.user_type NOT NULL DEFAULT 'full_access',
    permissions permissions.permset NOT NULL DEFAULT '{}',
    access      permissions.tier NOT NULL DEFAULT 'none',
    active      boolean NOT NULL DEFAULT true,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('invited', 'active')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, account_id)
);
CREATE INDEX users_account_id_idx ON permissions.users (account_id);
COMMENT ON TABLE permissions.users IS 'Users of an account: role, user type, organization permissions and wildcard tier. db_role maps a login role to the user.';
COMMENT ON COLUMN permissions.users.db_role IS 'Login role that is this user whenever it is the current role (also after SET ROLE).';
COMMENT ON COLUMN permissions.users.access IS 'Wildcard tier: access to every performer of the user''s own account.';
COMMENT ON COLUMN permissions.users.active IS 'Inactive users have no identity, no permissions and no access.';

CREATE TABLE permissions.api_credentials (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    user_id      bigint NOT NULL,
    name         text NOT NULL CHECK (name <> ''),
    secret_hash  bytea NOT NULL CHECK (length(secret_hash) = 32),
    created_by   bigint,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    FOREIGN KEY (user_id, account_id) REFERENCES permissions.users (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX api_credentials_user_id_idx ON permissions.api_credentials (user_id);
COMMENT ON TABLE permissions.api_credentials IS 'Named API credentials for pooled connections. Only the SHA-256 of the secret is kept; the secret is shown once, at creation.';

-- One row whose counter moves with every change to access-relevant data, so a
-- backend knows from its snapshot alone whether its access cache still holds.
CREATE TABLE permissions.access_epoch (
    epoch bigint NOT NULL
);
INSERT INTO permissions.access_epoch VALUES (1);
COMMENT ON TABLE permissions.access_epoch IS 'Internal: bumped in the same transaction as any change to access-relevant data; backends compare it to their cache.';

CREATE TABLE permissions.audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id    bigint,
    actor_role  name NOT NULL DEFAULT session_user,
    action      text NOT NULL,
    table_name  text NOT NULL,
    row_id      bigint,
    before      jsonb,
    after       jsonb
);
CREATE INDEX audit_log_account_id_idx ON permissions.audit_log (account_id, at);
COMMENT ON TABLE permissions.audit_log IS 'Append-only record of every permission-relevant change, written in the same transaction as the change.';

-- ---------------------------------------------------------------------------
-- Identity and decision functions (C)
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.authenticate(credential text, session boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'identity_authenticate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.authenticate(text, boolean) IS
'Makes the session act as the user of an API credential, until the end of the transaction (default) or of the session. Returns the user id. A bad credential is an error and ends every credential identity.';

CREATE FUNCTION permissions.logout()
RETURNS void
AS 'MODULE_PATHNAME', 'identity_logout'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.logout() IS
'Ends the credential identity of the session at once; a later ROLLBACK does not bring it back.';

CREATE FUNCTION permissions.new_api_secret()
RETURNS text
AS 'MODULE_PATHNAME', 'identity_new_secret'
LANGUAGE C VOLATILE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.new_api_secret() IS
'Internal: 32 random bytes in hex, the secret part of a new API credential.';

CREATE FUNCTION permissions.hash_api_secret(secret text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'identity_hash_secret'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.hash_api_secret(text) IS
'Internal: SHA-256 of an API secret, the only form of it that is stored.';

CREATE FUNCTION permissions.current_user_id()
RETURNS bigint
AS 'MODULE_PATHNAME', 'access_current_user_id'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.current_user_id() IS
'The user the session acts as (API credential, or the user mapped to the current role), or NULL.';

CREATE FUNCTION permissions.access_support(internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'access_support'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.access_support(internal) IS
'Planner support for the policy functions: index conditions on performer_id and account_id, and selectivity.';

CREATE FUNCTION permissions.can_view(kind text, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_view'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_view(text, bigint, bigint) IS
'Policy check: may the current user view this kind of data of the performer?';

CREATE FUNCTION permissions.can_create(kind text, account_id bigint, performer_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_create'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_create(text, bigint, bigint) IS
'Policy check: may the current user create this kind of data for the performer?';

CREATE FUNCTION permissions.can_edit(kind text, account_id bigint, performer_id bigint, created_by bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_edit'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_edit(text, bigint, bigint, bigint) IS
'Policy check: may the current user edit this row (created_by decides the "own" cells)?';

CREATE FUNCTION permissions.can_delete(kind text, account_id bigint, performer_id bigint, created_by bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_can_delete'
LANGUAGE C STABLE PARALLEL SAFE SUPPORT permissions.access_support;
COMMENT ON FUNCTION permissions.can_delete(text, bigint, bigint, bigint) IS
'Policy check: may the current user delete this row (created_by decides the "own" cells)?';

CREATE FUNCTION permissions.holds(permission text, account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_holds'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.holds(text, bigint) IS
'Policy check: does the current user hold the organization permission in the account (managers: in their whole subtree)?';

CREATE FUNCTION permissions.is_member(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_is_member'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.is_member(bigint) IS
'Policy check: does the current user see the account''s libraries (own account, managed account, or an account holding a performer the user reaches)?';

CREATE FUNCTION permissions.manages(account_id bigint)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_manages'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.manages(bigint) IS
'Is the current user a manager of the account or of one of its ancestors?';

CREATE FUNCTION permissions.current_tier(account_id bigint, performer_id bigint)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'access_current_tier'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.current_tier(bigint, bigint) IS
'The current user''s tier on a performer of the given account.';

CREATE FUNCTION permissions.reachable_performers(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_reachable_performers'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.reachable_performers(permissions.tier) IS
'Sorted ids of the performers the current user reaches at min_tier or above (the index condition planner support adds to policies).';

CREATE FUNCTION permissions.reachable_accounts(min_tier permissions.tier)
RETURNS bigint[]
AS 'MODULE_PATHNAME', 'access_reachable_accounts'
LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.reachable_accounts(permissions.tier) IS
'Sorted ids of the accounts holding a performer the current user reaches at min_tier or above (a lossy index condition on account_id).';

CREATE FUNCTION permissions.check(action text, kind text, performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_check'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.check(text, text, bigint, bigint) IS
'May the user (default: the current one) take the action (view, create, edit, delete) on the kind of data of the performer? "Own" cells count as allowed.';

CREATE FUNCTION permissions.effective_tier(performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS permissions.tier
AS 'MODULE_PATHNAME', 'access_effective_tier'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.effective_tier(bigint, bigint) IS
'The effective tier of the user (default: the current one) on the performer, after every source and the user-type cap.';

CREATE FUNCTION permissions.has_permission(name text, user_id bigint DEFAULT NULL)
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_has_permission'
LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION permissions.has_permission(text, bigint) IS
'Does the user (default: the current one) hold the organization permission in its own account?';

CREATE FUNCTION permissions.accessible_performers(action text, user_id bigint DEFAULT NULL)
RETURNS SETOF bigint
AS 'MODULE_PATHNAME', 'access_accessible_performers'
LANGUAGE C STABLE PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION permissions.accessible_performers(text, bigint) IS
'Performers on which the user (default: the current one) may take the action on some kind of data: view needs tier4, create and edit tier3, delete tier2.';

CREATE FUNCTION permissions.performer_created()
RETURNS trigger
AS 'MODULE_PATHNAME', 'access_performer_created'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.performer_created() IS
'Internal trigger on performers: lets the creator reach a new performer within the creating statement.';

-- ---------------------------------------------------------------------------
-- Performer data: performers, groups, teams, grants and chart data
--
-- Child rows carry the performer's account_id and reference the performer
-- (or chart) through composite foreign keys with ON UPDATE CASCADE, so the
-- account_id a policy reads is always the performer's, and moving a performer
-- to another account moves all its data with it.
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.performers (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    first_name  text NOT NULL,
    last_name   text NOT NULL DEFAULT '',
    birth_date  date,
    external_id text,
    created_by  bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, account_id)
);
CREATE INDEX performers_account_id_idx ON permissions.performers (account_id);
COMMENT ON TABLE permissions.performers IS 'The learners being charted (profiles). Whoever creates one gets a tier1 grant on it.';

CREATE TABLE permissions.groups (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    name        text NOT NULL,
    created_by  bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, account_id)
);
CREATE INDEX groups_account_id_idx ON permissions.groups (account_id);
COMMENT ON TABLE permissions.groups IS 'Named sets of performers of one account; a grant on a group reaches its members.';

CREATE TABLE permissions.group_members (
    group_id     bigint NOT NULL,
    performer_id bigint NOT NULL,
    account_id   bigint NOT NULL,
    added_by     bigint DEFAULT permissions.current_user_id(),
    PRIMARY KEY (group_id, performer_id),
    FOREIGN KEY (group_id, account_id) REFERENCES permissions.groups (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX group_members_performer_id_idx ON permissions.group_members (performer_id);
COMMENT ON TABLE permissions.group_members IS 'Performers in a group. Adding one extends the group''s grants to it, so it needs tier1 on the performer.';

CREATE TABLE permissions.teams (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    name        text NOT NULL,
    created_by  bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (id, account_id)
);
CREATE INDEX teams_account_id_idx ON permissions.teams (account_id);
COMMENT ON TABLE permissions.teams IS 'Named sets of users of one account; a grant to a team reaches its members.';

CREATE TABLE permissions.team_members (
    team_id     bigint NOT NULL,
    user_id     bigint NOT NULL,
    account_id  bigint NOT NULL,
    added_by    bigint DEFAULT permissions.current_user_id(),
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (team_id, account_id) REFERENCES permissions.teams (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (user_id, account_id) REFERENCES permissions.users (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX team_members_user_id_idx ON permissions.team_members (user_id);
COMMENT ON TABLE permissions.team_members IS 'Users in a team (users of the team''s account).';

CREATE TABLE permissions.access_grants (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    user_id      bigint REFERENCES permissions.users (id) ON DELETE CASCADE,
    team_id      bigint REFERENCES permissions.teams (id) ON DELETE CASCADE,
    performer_id bigint,
    group_id     bigint,
    tier         permissions.tier NOT NULL,
    expires_at   timestamptz,
    granted_by   bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (num_nonnulls(user_id, team_id) = 1),
    CHECK (num_nonnulls(performer_id, group_id) = 1),
    CHECK (tier OPERATOR(permissions.>) 'none'),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (group_id, account_id) REFERENCES permissions.groups (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    UNIQUE NULLS NOT DISTINCT (user_id, team_id, performer_id, group_id)
);
CREATE INDEX access_grants_user_id_idx ON permissions.access_grants (user_id);
CREATE INDEX access_grants_team_id_idx ON permissions.access_grants (team_id);
CREATE INDEX access_grants_performer_id_idx ON permissions.access_grants (performer_id);
CREATE INDEX access_grants_group_id_idx ON permissions.access_grants (group_id);
CREATE INDEX access_grants_account_id_idx ON permissions.access_grants (account_id);
COMMENT ON TABLE permissions.access_grants IS 'A tier given to a user or a team, on a performer or a group, until expires_at (NULL: no end). account_id is the performer''s or group''s account.';

CREATE TABLE permissions.pinpoints (
    id               bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id       bigint NOT NULL REFERENCES permissions.accounts (id),
    name             text NOT NULL,
    measurement_type text NOT NULL DEFAULT 'count'
        CHECK (measurement_type IN ('count', 'duration', 'percent', 'rate')),
    goal             numeric,
    goal_direction   text NOT NULL DEFAULT 'accelerate'
        CHECK (goal_direction IN ('accelerate', 'decelerate')),
    created_by       bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name)
);
COMMENT ON TABLE permissions.pinpoints IS 'The account''s pinpoint library (behaviours to chart). Every user of the account sees it; manage_pinpoints changes it.';

CREATE TABLE permissions.charts (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    pinpoint_id  bigint NOT NULL REFERENCES permissions.pinpoints (id),
    title        text,
    created_by   bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    UNIQUE (id, performer_id, account_id)
);
CREATE INDEX charts_performer_id_idx ON permissions.charts (performer_id);
CREATE INDEX charts_account_id_idx ON permissions.charts (account_id);
COMMENT ON TABLE permissions.charts IS 'A performer charted on a pinpoint.';

CREATE TABLE permissions.measurements (
    id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id    bigint NOT NULL,
    performer_id  bigint NOT NULL,
    chart_id      bigint NOT NULL,
    measured_on   date NOT NULL,
    count         integer NOT NULL CHECK (count >= 0),
    errors        integer NOT NULL DEFAULT 0 CHECK (errors >= 0),
    counting_time interval NOT NULL DEFAULT '1 minute' CHECK (counting_time > '0'),
    created_by    bigint DEFAULT permissions.current_user_id(),
    created_at    timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (chart_id, performer_id, account_id) REFERENCES permissions.charts (id, performer_id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX measurements_chart_id_idx ON permissions.measurements (chart_id, measured_on);
CREATE INDEX measurements_performer_id_idx ON permissions.measurements (performer_id, measured_on);
CREATE INDEX measurements_account_id_idx ON permissions.measurements (account_id);
COMMENT ON TABLE permissions.measurements IS 'One charted measurement: count (and errors) in a counting time, on a date.';

CREATE TABLE permissions.conditions (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    chart_id     bigint NOT NULL,
    starts_on    date NOT NULL,
    label        text NOT NULL,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (chart_id, performer_id, account_id) REFERENCES permissions.charts (id, performer_id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX conditions_chart_id_idx ON permissions.conditions (chart_id, starts_on);
CREATE INDEX conditions_performer_id_idx ON permissions.conditions (performer_id);
CREATE INDEX conditions_account_id_idx ON permissions.conditions (account_id);
COMMENT ON TABLE permissions.conditions IS 'Phase changes on a chart.';

CREATE TABLE permissions.notes (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    chart_id     bigint NOT NULL,
    noted_on     date NOT NULL DEFAULT current_date,
    body         text NOT NULL,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (chart_id, performer_id, account_id) REFERENCES permissions.charts (id, performer_id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX notes_chart_id_idx ON permissions.notes (chart_id, noted_on);
CREATE INDEX notes_performer_id_idx ON permissions.notes (performer_id);
CREATE INDEX notes_account_id_idx ON permissions.notes (account_id);
COMMENT ON TABLE permissions.notes IS 'Notes on a chart.';

CREATE TABLE permissions.tags (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    name        text NOT NULL,
    created_by  bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    UNIQUE (account_id, name),
    UNIQUE (id, account_id)
);
COMMENT ON TABLE permissions.tags IS 'The account''s tag library; manage_tags changes it.';

CREATE TABLE permissions.journal_types (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    name        text NOT NULL,
    created_by  bigint DEFAULT permissions.current_user_id() REFERENCES permissions.users (id) ON DELETE SET NULL,
    UNIQUE (account_id, name)
);
COMMENT ON TABLE permissions.journal_types IS 'Journal types of the account; manage_journal_types changes them.';

CREATE TABLE permissions.journals (
    id              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL,
    performer_id    bigint NOT NULL,
    journal_type_id bigint REFERENCES permissions.journal_types (id),
    entry_date      date NOT NULL DEFAULT current_date,
    body            text NOT NULL,
    created_by      bigint DEFAULT permissions.current_user_id(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    UNIQUE (id, performer_id, account_id)
);
CREATE INDEX journals_performer_id_idx ON permissions.journals (performer_id, entry_date);
CREATE INDEX journals_account_id_idx ON permissions.journals (account_id, entry_date);
CREATE INDEX journals_created_by_idx ON permissions.journals (created_by);
COMMENT ON TABLE permissions.journals IS 'Journal entries about a performer; tier2 and tier3 edit only their own.';

CREATE TABLE permissions.tag_assignments (
    id             bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id     bigint NOT NULL,
    tag_id         bigint NOT NULL,
    target_kind    text NOT NULL CHECK (target_kind IN ('performer', 'chart', 'journal', 'user', 'pinpoint')),
    performer_id   bigint,
    chart_id       bigint,
    journal_id     bigint,
    target_user_id bigint REFERENCES permissions.users (id) ON DELETE CASCADE,
    pinpoint_id    bigint REFERENCES permissions.pinpoints (id) ON DELETE CASCADE,
    created_by     bigint DEFAULT permissions.current_user_id(),
    created_at     timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (tag_id, account_id) REFERENCES permissions.tags (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (chart_id, performer_id, account_id) REFERENCES permissions.charts (id, performer_id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    FOREIGN KEY (journal_id, performer_id, account_id) REFERENCES permissions.journals (id, performer_id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    CHECK (CASE target_kind
             WHEN 'performer' THEN performer_id IS NOT NULL AND num_nonnulls(chart_id, journal_id, target_user_id, pinpoint_id) = 0
             WHEN 'chart' THEN chart_id IS NOT NULL AND performer_id IS NOT NULL AND num_nonnulls(journal_id, target_user_id, pinpoint_id) = 0
             WHEN 'journal' THEN journal_id IS NOT NULL AND performer_id IS NOT NULL AND num_nonnulls(chart_id, target_user_id, pinpoint_id) = 0
             WHEN 'user' THEN target_user_id IS NOT NULL AND num_nonnulls(performer_id, chart_id, journal_id, pinpoint_id) = 0
             WHEN 'pinpoint' THEN pinpoint_id IS NOT NULL AND num_nonnulls(performer_id, chart_id, journal_id, target_user_id) = 0
           END)
);
CREATE INDEX tag_assignments_performer_id_idx ON permissions.tag_assignments (performer_id);
CREATE INDEX tag_assignments_account_id_idx ON permissions.tag_assignments (account_id);
CREATE INDEX tag_assignments_tag_id_idx ON permissions.tag_assignments (tag_id);
COMMENT ON TABLE permissions.tag_assignments IS 'Tags assigned to performers, charts and journals (performer data, kind "tag") or to users and pinpoints (any member of the account).';

CREATE TABLE permissions.chart_views (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    owner_id    bigint REFERENCES permissions.users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}',
    created_by  bigint DEFAULT permissions.current_user_id()
);
CREATE INDEX chart_views_account_id_idx ON permissions.chart_views (account_id);
COMMENT ON TABLE permissions.chart_views IS 'Saved chart views; owner_id NULL is an organization default (manage_org_chart_views).';

CREATE TABLE permissions.reporting_views (
    id          bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES permissions.accounts (id),
    owner_id    bigint REFERENCES permissions.users (id) ON DELETE CASCADE,
    name        text NOT NULL,
    settings    jsonb NOT NULL DEFAULT '{}',
    created_by  bigint DEFAULT permissions.current_user_id()
);
CREATE INDEX reporting_views_account_id_idx ON permissions.reporting_views (account_id);
COMMENT ON TABLE permissions.reporting_views IS 'Saved reporting views (view_reporting); owner_id NULL is an organization default (manage_org_reporting_views).';

-- ---------------------------------------------------------------------------
-- Rules enforced on every write: user types and roles, escalation, grants,
-- memberships; the access epoch; the audit log.
--
-- The SECURITY DEFINER helpers the triggers call answer only from inside a
-- trigger (pg_trigger_depth() > 0), so they are no oracle for direct calls.
--
-- Escalation rules apply to every role that is not a superuser.  Superusers
-- (DBAs, and the extension's own SECURITY DEFINER code) are trusted, as they
-- are by row-level security itself.
-- ---------------------------------------------------------------------------

CREATE SEQUENCE permissions.access_epoch_seq START 2;
COMMENT ON SEQUENCE permissions.access_epoch_seq IS 'Internal: never repeats, so an epoch value never comes back after a rollback.';

CREATE FUNCTION permissions.caller_is_superuser()
RETURNS boolean
AS 'MODULE_PATHNAME', 'access_caller_is_superuser'
LANGUAGE C STABLE PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION permissions.caller_is_superuser() IS
'Internal: whether the role executing the current statement is a superuser (escalation rules do not apply to it).';

CREATE FUNCTION permissions.bump_access_epoch()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.access_epoch SET epoch = pg_catalog.nextval('permissions.access_epoch_seq');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.bump_access_epoch() IS
'Internal statement trigger: moves the access epoch in the same transaction as a change to access-relevant data, so every session''s cache sees it at its next statement.';

CREATE FUNCTION permissions.stamp_creator()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        -- ON DELETE SET NULL of a removed creator clears it; nothing else changes it
        IF NEW.created_by IS NOT NULL OR permissions.grantee_user_type(OLD.created_by) IS NOT NULL THEN
            NEW.created_by := OLD.created_by;
        END IF;
    ELSIF NOT permissions.caller_is_superuser() THEN
        NEW.created_by := permissions.current_user_id();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.stamp_creator() IS
'Internal row trigger: created_by is the inserting user and never changes, so "own" cells of the tier matrix cannot be forged.';

CREATE FUNCTION permissions.raise_rule(rule text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = rule, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION permissions.raise_rule(text, text, text) IS
'Internal: raises the error of a broken permission rule.';

CREATE FUNCTION permissions.raise_type_rule(rule text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = rule, DETAIL = detail, HINT = hint;
END
$$;
COMMENT ON FUNCTION permissions.raise_type_rule(text, text, text) IS
'Internal: raises the error of a broken user-type or role rule.';

CREATE FUNCTION permissions.lock_account(account bigint)
RETURNS bigint
LANGUAGE sql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT parent_id FROM permissions.accounts
     WHERE id OPERATOR(pg_catalog.=) account
       AND (permissions.holds('manage_users', account)
            OR pg_catalog.current_setting('is_superuser')::boolean)
       FOR NO KEY UPDATE
$$;
COMMENT ON FUNCTION permissions.lock_account(bigint) IS
'Internal: locks an account row for a user manager (serializes checks such as "last manager") and returns its parent.';

CREATE FUNCTION permissions.other_active_managers(account bigint, excluded bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) FROM permissions.users
     WHERE account_id OPERATOR(pg_catalog.=) account AND id OPERATOR(pg_catalog.<>) excluded
       AND role OPERATOR(permissions.=) 'manager' AND active
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.other_active_managers(bigint, bigint) IS
'Internal: number of active managers of an account other than the given user.';

CREATE FUNCTION permissions.grants_exceed_one_performer(grantee bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(DISTINCT performer_id) OPERATOR(pg_catalog.>) 1
           OR pg_catalog.count(group_id) OPERATOR(pg_catalog.>) 0
      FROM permissions.access_grants
     WHERE user_id OPERATOR(pg_catalog.=) grantee
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.grants_exceed_one_performer(bigint) IS
'Internal: whether a user holds grants on more than one performer, or on a group (which a single_performer user may not).';

CREATE FUNCTION permissions.users_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    my permissions.users;
    added permissions.permset;
BEGIN
    -- user types and roles: always
    IF NEW.role OPERATOR(permissions.=) 'manager' AND NEW.user_type OPERATOR(permissions.<>) 'full_access' THEN
        PERFORM permissions.raise_type_rule(
            'managers must be full_access users',
            format('User "%s" is a manager of type %s.', NEW.username, NEW.user_type),
            'Make the user full_access, or give it the role user.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.<>) 'full_access' AND NEW.permissions OPERATOR(permissions.<>) '{}' THEN
        PERFORM permissions.raise_type_rule(
            format('%s users have no permissions', NEW.user_type),
            format('User "%s" would hold %s.', NEW.username, NEW.permissions),
            'Set permissions to ''{}'', or make the user full_access.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'single_performer' AND NEW.access OPERATOR(permissions.<>) 'none' THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users have wildcard tier none',
            format('User "%s" would have wildcard tier %s.', NEW.username, NEW.access),
            'Set access to ''none'' and grant the one performer directly.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'single_performer' AND TG_OP OPERATOR(pg_catalog.=) 'UPDATE'
       AND OLD.user_type OPERATOR(permissions.<>) 'single_performer'
       AND permissions.grants_exceed_one_performer(NEW.id) THEN
        PERFORM permissions.raise_type_rule(
            'single_performer users see at most one performer',
            format('User "%s" holds grants on more than one performer or on a group.', NEW.username),
            'Revoke the other grants first, or keep the user full_access.');
    END IF;
    IF NEW.user_type OPERATOR(permissions.=) 'read_only' AND NEW.access OPERATOR(permissions.>) 'tier4' THEN
        PERFORM permissions.raise_type_rule(
            'read_only users have wildcard tier none or tier4',
            format('User "%s" would have wildcard tier %s.', NEW.username, NEW.access),
            'Set access to ''none'' or ''tier4'', or make the user full_access.');
    END IF;

    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;

    -- login-role mapping is a DBA's decision
    IF NEW.db_role IS NOT NULL AND (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.db_role IS DISTINCT FROM OLD.db_role)
       OR TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.db_role IS NOT NULL AND NEW.db_role IS NULL THEN
        PERFORM permissions.raise_rule(
            'only a superuser can map a login role to a user',
            'users.db_role makes a login role act as the user.',
            'Ask a DBA to set db_role with permissions.create_user() or UPDATE as a superuser.');
    END IF;

    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    SELECT * INTO my FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me;

    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.id OPERATOR(pg_catalog.=) me AND
       (NEW.role OPERATOR(permissions.<>) OLD.role OR NEW.user_type OPERATOR(permissions.<>) OLD.user_type
        OR NEW.permissions OPERATOR(permissions.<>) OLD.permissions OR NEW.access OPERATOR(permissions.<>) OLD.access
        OR NEW.active IS DISTINCT FROM OLD.active OR NEW.account_id IS DISTINCT FROM OLD.account_id
        OR NEW.status IS DISTINCT FROM OLD.status) THEN
        PERFORM permissions.raise_rule(
            'you cannot change your own role, user type, permissions, tier, account or status',
            'Nobody changes their own access.',
            'Ask another user manager to make the change.');
    END IF;

    IF NOT permissions.manages(NEW.account_id) THEN
        added := NEW.permissions OPERATOR(permissions.-)
                 CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN OLD.permissions ELSE '{}'::permissions.permset END;
        IF NOT (my.permissions OPERATOR(permissions.@>) added) THEN
            PERFORM permissions.raise_rule(
                'you cannot give permissions you do not hold',
                format('You do not hold %s.', added OPERATOR(permissions.-) my.permissions),
                'Give only permissions you hold, or ask a manager.');
        END IF;
        IF NEW.access OPERATOR(permissions.>) my.access AND
           (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR NEW.access OPERATOR(permissions.<>) OLD.access) THEN
            PERFORM permissions.raise_rule(
                'you cannot give a tier above your own',
                format('Your wildcard tier is %s; the user would get %s.', my.access, NEW.access),
                'Give a tier up to your own, or ask a manager.');
        END IF;
        IF NEW.role OPERATOR(permissions.=) 'manager' AND
           (TG_OP OPERATOR(pg_catalog.=) 'INSERT' OR OLD.role OPERATOR(permissions.<>) 'manager') THEN
            PERFORM permissions.raise_rule(
                'only managers of the account can make managers',
                format('You do not manage account %s.', NEW.account_id),
                'Ask a manager of the account or of a parent account.');
        END IF;
        IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND OLD.role OPERATOR(permissions.=) 'manager' THEN
            PERFORM permissions.raise_rule(
                'only managers of the account can change a manager',
                format('User "%s" is a manager of account %s.', OLD.username, OLD.account_id),
                'Ask a manager of the account or of a parent account.');
        END IF;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id
       AND NOT (permissions.holds('manage_users', OLD.account_id) AND permissions.holds('manage_users', NEW.account_id)) THEN
        PERFORM permissions.raise_rule(
            'moving a user needs manage_users in both accounts',
            format('You cannot manage users of both account %s and account %s.', OLD.account_id, NEW.account_id),
            'Ask a manager of both accounts.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_check_rules() IS
'Internal row trigger on users: user-type and role rules for everyone, escalation rules for non-superusers.';

CREATE FUNCTION permissions.users_keep_a_manager()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    still_manager boolean;
BEGIN
    IF OLD.role OPERATOR(permissions.<>) 'manager' OR NOT OLD.active
       OR permissions.account_being_deleted(OLD.account_id) THEN
        RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    still_manager := TG_OP OPERATOR(pg_catalog.=) 'UPDATE' AND NEW.role OPERATOR(permissions.=) 'manager'
                     AND NEW.active AND NEW.account_id OPERATOR(pg_catalog.=) OLD.account_id;
    IF NOT still_manager
       AND permissions.lock_account(OLD.account_id) IS NULL
       AND EXISTS (SELECT 1 FROM permissions.accounts WHERE id OPERATOR(pg_catalog.=) OLD.account_id)
       AND permissions.other_active_managers(OLD.account_id, OLD.id) OPERATOR(pg_catalog.=) 0 THEN
        PERFORM permissions.raise_rule(
            'the last manager of a top-level account cannot be removed or demoted',
            format('User "%s" is the only active manager of account %s.', OLD.username, OLD.account_id),
            'Make another user of the account a manager first.');
    END IF;
    RETURN CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'DELETE' THEN OLD ELSE NEW END;
END
$$;
COMMENT ON FUNCTION permissions.users_keep_a_manager() IS
'Internal row trigger on users: a top-level account always keeps an active manager (checked under a lock on the account).';

CREATE FUNCTION permissions.grantee_user_type(grantee bigint)
RETURNS permissions.user_type
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT user_type FROM permissions.users
     WHERE id OPERATOR(pg_catalog.=) grantee AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.grantee_user_type(bigint) IS
'Internal: the user type of a grantee, which the granter may not be allowed to read.';

CREATE FUNCTION permissions.other_direct_grants(grantee bigint, performer bigint, excluded bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*) FROM permissions.access_grants
     WHERE user_id OPERATOR(pg_catalog.=) grantee
       AND performer_id OPERATOR(pg_catalog.<>) performer
       AND id IS DISTINCT FROM excluded
       AND pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.>) 0
$$;
COMMENT ON FUNCTION permissions.other_direct_grants(bigint, bigint, bigint) IS
'Internal: grants a user holds on other performers (a single_performer user may hold one performer).';

CREATE FUNCTION permissions.grants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
    target_account bigint;
    grantee_type permissions.user_type;
    mine permissions.tier;
BEGIN
    -- the grant lives in the account of what it is on
    IF NEW.performer_id IS NOT NULL THEN
        SELECT account_id INTO target_account FROM permissions.performers WHERE id OPERATOR(pg_catalog.=) NEW.performer_id;
    ELSE
        SELECT account_id INTO target_account FROM permissions.groups WHERE id OPERATOR(pg_catalog.=) NEW.group_id;
    END IF;
    IF target_account IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s %s does not exist or is not visible to you',
                             CASE WHEN NEW.performer_id IS NOT NULL THEN 'performer' ELSE 'group' END,
                             coalesce(NEW.performer_id, NEW.group_id)),
            HINT = 'Grant only on performers and groups you can see.';
    END IF;
    NEW.account_id := target_account;

    IF NEW.user_id IS NOT NULL THEN
        grantee_type := permissions.grantee_user_type(NEW.user_id);
        IF grantee_type OPERATOR(permissions.=) 'single_performer' THEN
            IF NEW.group_id IS NOT NULL THEN
                PERFORM permissions.raise_type_rule(
                    'single_performer users are granted one performer directly, never a group',
                    format('User %s is a single_performer user.', NEW.user_id),
                    'Grant the one performer the user may see.');
            END IF;
            IF permissions.other_direct_grants(NEW.user_id, NEW.performer_id,
                   CASE WHEN TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN OLD.id END) OPERATOR(pg_catalog.>) 0 THEN
                PERFORM permissions.raise_type_rule(
                    'single_performer users see at most one performer',
                    format('User %s already has a grant on another performer.', NEW.user_id),
                    'Revoke the other grant first, or make the user full_access.');
            END IF;
        END IF;
    END IF;

    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    NEW.granted_by := me;
    IF NEW.user_id OPERATOR(pg_catalog.=) me THEN
        PERFORM permissions.raise_rule(
            'you cannot grant access to yourself',
            'Nobody changes their own access.',
            'Ask another user with access rights on the performer.');
    END IF;
    IF NEW.performer_id IS NOT NULL THEN
        mine := permissions.current_tier(target_account, NEW.performer_id);
        IF mine OPERATOR(permissions.<) 'tier1' THEN
            PERFORM permissions.raise_rule(
                'granting on a performer needs tier1 on it',
                format('Your tier on performer %s is %s.', NEW.performer_id, mine),
                'Ask a user with tier1 (full control) on the performer.');
        END IF;
    ELSE
        IF NOT permissions.holds('manage_users', target_account) THEN
            PERFORM permissions.raise_rule(
                'granting on a group needs manage_users in its account',
                format('You do not hold manage_users in account %s.', target_account),
                'Grant on the performers one by one, or ask a user manager.');
        END IF;
        mine := CASE WHEN permissions.manages(target_account) THEN 'tier1'::permissions.tier
                     WHEN target_account OPERATOR(pg_catalog.=) (SELECT account_id FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me)
                     THEN (SELECT access FROM permissions.users WHERE id OPERATOR(pg_catalog.=) me)
                     ELSE 'none'::permissions.tier END;
        IF NEW.tier OPERATOR(permissions.>) mine THEN
            PERFORM permissions.raise_rule(
                'you cannot grant a tier above your own',
                format('Your tier over the group''s account is %s; the grant is %s.', mine, NEW.tier),
                'Grant a tier up to your own.');
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.grants_check_rules() IS
'Internal row trigger on access_grants: single_performer rules for everyone; no self-grant, tier1 to grant on a performer, manage_users to grant on a group, and the tier ceiling for non-superusers.';

CREATE FUNCTION permissions.team_grants_beyond_caller(team bigint)
RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT pg_catalog.count(*)
      FROM permissions.access_grants g
     WHERE g.team_id OPERATOR(pg_catalog.=) team
       AND (SELECT permissions.holds('manage_teams', t.account_id)
              FROM permissions.teams t WHERE t.id OPERATOR(pg_catalog.=) team)
       AND CASE WHEN g.performer_id IS NOT NULL THEN
                permissions.current_tier(g.account_id, g.performer_id) OPERATOR(permissions.<) 'tier1'
           ELSE NOT permissions.holds('manage_users', g.account_id)
                OR g.tier OPERATOR(permissions.>)
                   CASE WHEN permissions.manages(g.account_id) THEN 'tier1'::permissions.tier
                        ELSE coalesce((SELECT u.access FROM permissions.users u
                                        WHERE u.id OPERATOR(pg_catalog.=) permissions.current_user_id()
                                          AND u.account_id OPERATOR(pg_catalog.=) g.account_id),
                                      'none'::permissions.tier) END
           END
$$;
COMMENT ON FUNCTION permissions.team_grants_beyond_caller(bigint) IS
'Internal: how many of a team''s grants the current user could not have made itself (answers only holders of manage_teams over the team).';

CREATE FUNCTION permissions.team_members_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    beyond bigint;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF NEW.user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
       AND NOT permissions.manages(NEW.account_id) THEN
        PERFORM permissions.raise_rule(
            'you cannot add yourself to a team',
            'A team''s grants would become yours.',
            'Ask another user with manage_teams.');
    END IF;
    -- a new member receives the team's grants: only as far as the adder could grant them
    beyond := permissions.team_grants_beyond_caller(NEW.team_id);
    IF beyond OPERATOR(pg_catalog.>) 0 THEN
        PERFORM permissions.raise_rule(
            'you cannot add a member to a team whose grants exceed your own',
            format('Team %s holds %s grant(s) you could not make yourself.', NEW.team_id, beyond),
            'Ask a user with tier1 on the team''s performers, or a manager.');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.team_members_check_rules() IS
'Internal row trigger on team_members: nobody but a manager adds themselves to a team, and a new member gets only grants the adder could have made.';


CREATE FUNCTION permissions.grant_creator()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NEW.created_by IS NOT NULL THEN
        INSERT INTO permissions.access_grants (account_id, user_id, performer_id, tier, granted_by)
        VALUES (NEW.account_id, NEW.created_by, NEW.id, 'tier1', NEW.created_by)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.grant_creator() IS
'Internal row trigger on performers: whoever creates a performer gets a tier1 grant on it.';

CREATE FUNCTION permissions.audit_change()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before_row jsonb;
    after_row jsonb;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.<>) 'INSERT' THEN
        before_row := pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.-) 'secret_hash';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        after_row := pg_catalog.to_jsonb(NEW) OPERATOR(pg_catalog.-) 'secret_hash';
    END IF;
    INSERT INTO permissions.audit_log (account_id, actor_id, actor_role, action, table_name, row_id, before, after)
    VALUES (coalesce(after_row OPERATOR(pg_catalog.->>) 'account_id', before_row OPERATOR(pg_catalog.->>) 'account_id')::bigint,
            permissions.current_user_id(),
            CASE WHEN pg_catalog.current_setting('role') OPERATOR(pg_catalog.=) 'none' THEN session_user
                 ELSE pg_catalog.current_setting('role')::name END,
            pg_catalog.lower(TG_OP),
            TG_TABLE_NAME,
            coalesce(after_row OPERATOR(pg_catalog.->>) 'id', before_row OPERATOR(pg_catalog.->>) 'id')::bigint,
            before_row, after_row);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.audit_change() IS
'Internal row trigger: writes the change to audit_log in the same transaction (actor, time, before and after; never a secret hash).';

CREATE FUNCTION permissions.append_only()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
        MESSAGE = format('%s is append-only: %s is not allowed', TG_TABLE_NAME, pg_catalog.lower(TG_OP)),
        DETAIL = TG_ARGV[0],
        HINT = TG_ARGV[1];
END
$$;
COMMENT ON FUNCTION permissions.append_only() IS
'Internal trigger of append-only tables (audit_log, credit_ledger): refuses UPDATE, DELETE and TRUNCATE for everyone; the trigger''s two arguments are the error''s detail and hint.';

-- the triggers
CREATE TRIGGER users_10_rules BEFORE INSERT OR UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_rules();
CREATE TRIGGER users_20_keep_a_manager BEFORE UPDATE OR DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_keep_a_manager();
CREATE TRIGGER access_grants_10_rules BEFORE INSERT OR UPDATE ON permissions.access_grants
    FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_rules();
CREATE TRIGGER team_members_10_rules BEFORE INSERT OR UPDATE ON permissions.team_members
    FOR EACH ROW EXECUTE FUNCTION permissions.team_members_check_rules();
CREATE TRIGGER performers_10_stamp BEFORE INSERT OR UPDATE ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
CREATE TRIGGER performers_20_created BEFORE INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.performer_created();
CREATE TRIGGER performers_30_grant_creator AFTER INSERT ON permissions.performers
    FOR EACH ROW EXECUTE FUNCTION permissions.grant_creator();

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['groups', 'teams', 'pinpoints', 'charts', 'measurements', 'conditions',
                             'notes', 'tags', 'journal_types', 'journals', 'tag_assignments',
                             'chart_views', 'reporting_views']
    LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON permissions.%I
                        FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator()', t || '_10_stamp', t);
    END LOOP;

    FOREACH t IN ARRAY ARRAY['users', 'accounts', 'api_credentials', 'access_grants',
                             'group_members', 'team_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON permissions.%I
                        FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch()', t || '_90_epoch', t);
    END LOOP;

    FOREACH t IN ARRAY ARRAY['users', 'accounts', 'api_credentials', 'access_grants', 'groups',
                             'group_members', 'teams', 'team_members']
    LOOP
        EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON permissions.%I
                        FOR EACH ROW EXECUTE FUNCTION permissions.audit_change()', t || '_80_audit', t);
    END LOOP;
END
$$;

CREATE TRIGGER performers_90_epoch AFTER INSERT OR DELETE OR TRUNCATE ON permissions.performers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch();
CREATE TRIGGER performers_91_epoch AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.bump_access_epoch();
CREATE TRIGGER performers_80_audit AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.audit_change();

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON permissions.audit_log
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON permissions.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Audit entries can be neither changed nor deleted.',
        'Read the log with SELECT; entries are written by the extension itself.');

-- ---------------------------------------------------------------------------
-- Library references stay inside the tenant: a chart's pinpoint, a journal's
-- type and a tag's target come from the same account as the row.  Checked
-- before the foreign keys, with the caller's visibility, so the error never
-- tells whether an object of another account exists.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.user_in_account(target bigint, account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT permissions.is_member(account)
           AND EXISTS (SELECT 1 FROM permissions.users u
                        WHERE u.id OPERATOR(pg_catalog.=) target
                          AND u.account_id OPERATOR(pg_catalog.=) account)
$$;
COMMENT ON FUNCTION permissions.user_in_account(bigint, bigint) IS
'Internal: whether a user belongs to an account (answers only members of that account).';

CREATE FUNCTION permissions.check_library_refs()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_row jsonb := pg_catalog.to_jsonb(NEW);
    account bigint := (new_row OPERATOR(pg_catalog.->>) 'account_id')::bigint;
    pinpoint bigint := (new_row OPERATOR(pg_catalog.->>) 'pinpoint_id')::bigint;
    journal_type bigint := (new_row OPERATOR(pg_catalog.->>) 'journal_type_id')::bigint;
    target_user bigint := (new_row OPERATOR(pg_catalog.->>) 'target_user_id')::bigint;
    ref_name text;
    ref_id bigint;
BEGIN
    IF pinpoint IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM permissions.pinpoints p
            WHERE p.id OPERATOR(pg_catalog.=) pinpoint AND p.account_id OPERATOR(pg_catalog.=) account) THEN
        ref_name := 'pinpoint'; ref_id := pinpoint;
    ELSIF journal_type IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM permissions.journal_types j
            WHERE j.id OPERATOR(pg_catalog.=) journal_type AND j.account_id OPERATOR(pg_catalog.=) account) THEN
        ref_name := 'journal type'; ref_id := journal_type;
    ELSIF target_user IS NOT NULL AND NOT permissions.caller_is_superuser()
          AND NOT permissions.user_in_account(target_user, account) THEN
        ref_name := 'user'; ref_id := target_user;
    END IF;
    IF ref_name IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('%s %s is not in account %s', ref_name, ref_id, account),
            DETAIL = format('A row of %s may refer only to a %s of its own account.', TG_TABLE_NAME, ref_name),
            HINT = format('Pick a %s from account %s.', ref_name, account);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.check_library_refs() IS
'Internal row trigger: a chart''s pinpoint, a journal''s type and a tag assignment''s user or pinpoint belong to the row''s own account.';

CREATE TRIGGER charts_20_library BEFORE INSERT OR UPDATE OF pinpoint_id ON permissions.charts
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
CREATE TRIGGER journals_20_library BEFORE INSERT OR UPDATE OF journal_type_id ON permissions.journals
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();
CREATE TRIGGER tag_assignments_20_library BEFORE INSERT OR UPDATE OF target_user_id, pinpoint_id ON permissions.tag_assignments
    FOR EACH ROW EXECUTE FUNCTION permissions.check_library_refs();

-- ---------------------------------------------------------------------------
-- Row-level security: enabled and forced on every table, one policy per
-- command.  Performer data follows the tier matrix through the C functions;
-- libraries and administration follow the organization permissions.
-- Table privileges go to PUBLIC: the policies are the gate.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['accounts', 'users', 'api_credentials', 'access_epoch', 'audit_log',
                             'performers', 'groups', 'group_members', 'teams', 'team_members',
                             'access_grants', 'pinpoints', 'charts', 'measurements', 'conditions',
                             'notes', 'tags', 'tag_assignments', 'journal_types', 'journals',
                             'chart_views', 'reporting_views']
    LOOP
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE permissions.%I FORCE ROW LEVEL SECURITY', t);
    END LOOP;

    -- chart data: the tier matrix, kind = the table's kind
    FOREACH t IN ARRAY ARRAY['measurements:measurement', 'conditions:condition', 'notes:note',
                             'journals:journal', 'charts:chart']
    LOOP
        EXECUTE format($f$
            CREATE POLICY %1$s_select ON permissions.%1$I FOR SELECT
                USING (permissions.can_view(%2$L, account_id, performer_id));
            CREATE POLICY %1$s_insert ON permissions.%1$I FOR INSERT
                WITH CHECK (permissions.can_create(%2$L, account_id, performer_id));
            CREATE POLICY %1$s_update ON permissions.%1$I FOR UPDATE
                USING (permissions.can_edit(%2$L, account_id, performer_id, created_by))
                WITH CHECK (permissions.can_edit(%2$L, account_id, performer_id, created_by));
            CREATE POLICY %1$s_delete ON permissions.%1$I FOR DELETE
                USING (permissions.can_delete(%2$L, account_id, performer_id, created_by));
        $f$, split_part(t, ':', 1), split_part(t, ':', 2));
    END LOOP;
END
$$;

-- performers: creating one is the organization permission create_performers
CREATE POLICY performers_select ON permissions.performers FOR SELECT
    USING (permissions.can_view('performer', account_id, id));
CREATE POLICY performers_insert ON permissions.performers FOR INSERT
    WITH CHECK (permissions.holds('create_performers', account_id));
CREATE POLICY performers_update ON permissions.performers FOR UPDATE
    USING (permissions.can_edit('performer', account_id, id, created_by))
    WITH CHECK (permissions.can_edit('performer', account_id, id, created_by));
CREATE POLICY performers_delete ON permissions.performers FOR DELETE
    USING (permissions.can_delete('performer', account_id, id, created_by));

-- tag assignments: performer data for performers, charts and journals; any
-- member of the account for users and pinpoints (manage_tags is the library)
CREATE POLICY tag_assignments_select ON permissions.tag_assignments FOR SELECT
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_view('tag', account_id, performer_id)
                ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_insert ON permissions.tag_assignments FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('tag', account_id, performer_id)
                     ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_update ON permissions.tag_assignments FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                ELSE permissions.is_member(account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('tag', account_id, performer_id, created_by)
                     ELSE permissions.is_member(account_id) END);
CREATE POLICY tag_assignments_delete ON permissions.tag_assignments FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('tag', account_id, performer_id, created_by)
                ELSE permissions.is_member(account_id) END);

-- grants: kind "access" (tier1) on a performer; manage_users for a group;
-- grantees see their own grants
CREATE POLICY access_grants_select ON permissions.access_grants FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR CASE WHEN performer_id IS NOT NULL
                   THEN permissions.can_view('access', account_id, performer_id)
                   ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_insert ON permissions.access_grants FOR INSERT
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_create('access', account_id, performer_id)
                     ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_update ON permissions.access_grants FOR UPDATE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_edit('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END)
    WITH CHECK (CASE WHEN performer_id IS NOT NULL
                     THEN permissions.can_edit('access', account_id, performer_id, NULL)
                     ELSE permissions.holds('manage_users', account_id) END);
CREATE POLICY access_grants_delete ON permissions.access_grants FOR DELETE
    USING (CASE WHEN performer_id IS NOT NULL
                THEN permissions.can_delete('access', account_id, performer_id, NULL)
                ELSE permissions.holds('manage_users', account_id) END);

-- groups and teams: members of the account see them; the permission changes them
CREATE POLICY groups_select ON permissions.groups FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY groups_write ON permissions.groups FOR ALL
    USING (permissions.holds('create_groups', account_id))
    WITH CHECK (permissions.holds('create_groups', account_id));
CREATE POLICY group_members_select ON permissions.group_members FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
CREATE POLICY group_members_insert ON permissions.group_members FOR INSERT
    WITH CHECK (permissions.holds('create_groups', account_id)
                AND permissions.can_create('access', account_id, performer_id));
CREATE POLICY group_members_update ON permissions.group_members FOR UPDATE
    USING (false);
CREATE POLICY group_members_delete ON permissions.group_members FOR DELETE
    USING (permissions.holds('create_groups', account_id)
           AND permissions.can_delete('access', account_id, performer_id, NULL));
CREATE POLICY teams_select ON permissions.teams FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY teams_write ON permissions.teams FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));
CREATE POLICY team_members_select ON permissions.team_members FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY team_members_write ON permissions.team_members FOR ALL
    USING (permissions.holds('manage_teams', account_id))
    WITH CHECK (permissions.holds('manage_teams', account_id));

-- libraries: every member sees them; one permission changes each
CREATE POLICY pinpoints_select ON permissions.pinpoints FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY pinpoints_write ON permissions.pinpoints FOR ALL
    USING (permissions.holds('manage_pinpoints', account_id))
    WITH CHECK (permissions.holds('manage_pinpoints', account_id));
CREATE POLICY tags_select ON permissions.tags FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY tags_write ON permissions.tags FOR ALL
    USING (permissions.holds('manage_tags', account_id))
    WITH CHECK (permissions.holds('manage_tags', account_id));
CREATE POLICY journal_types_select ON permissions.journal_types FOR SELECT
    USING (permissions.is_member(account_id));
CREATE POLICY journal_types_write ON permissions.journal_types FOR ALL
    USING (permissions.holds('manage_journal_types', account_id))
    WITH CHECK (permissions.holds('manage_journal_types', account_id));

-- saved views: one's own, and the organization defaults
CREATE POLICY chart_views_select ON permissions.chart_views FOR SELECT
    USING (permissions.is_member(account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
CREATE POLICY chart_views_write ON permissions.chart_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_chart_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.is_member(account_id) END);
CREATE POLICY reporting_views_select ON permissions.reporting_views FOR SELECT
    USING (permissions.holds('view_reporting', account_id)
           AND (owner_id IS NULL OR owner_id OPERATOR(pg_catalog.=) permissions.current_user_id()));
CREATE POLICY reporting_views_write ON permissions.reporting_views FOR ALL
    USING (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END)
    WITH CHECK (CASE WHEN owner_id IS NULL THEN permissions.holds('manage_org_reporting_views', account_id)
                     ELSE owner_id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('view_reporting', account_id) END);

-- accounts: members see them; manage_organization edits details;
-- sub-accounts belong to managers of an ancestor or manage_sub_accounts holders there
CREATE POLICY accounts_select ON permissions.accounts FOR SELECT
    USING (permissions.is_member(id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_insert ON permissions.accounts FOR INSERT
    WITH CHECK (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_update ON permissions.accounts FOR UPDATE
    USING (permissions.holds('manage_organization', id)
           OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id))
    WITH CHECK (permissions.holds('manage_organization', id)
                OR parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));
CREATE POLICY accounts_delete ON permissions.accounts FOR DELETE
    USING (parent_id IS NOT NULL AND permissions.holds('manage_sub_accounts', parent_id));

-- users: oneself, and the users one manages; manage_profile edits one's own profile
CREATE POLICY users_select ON permissions.users FOR SELECT
    USING (id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_users', account_id));
CREATE POLICY users_insert ON permissions.users FOR INSERT
    WITH CHECK (permissions.holds('manage_users', account_id));
CREATE POLICY users_update ON permissions.users FOR UPDATE
    USING (permissions.holds('manage_users', account_id)
           OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id))
    WITH CHECK (permissions.holds('manage_users', account_id)
                OR id OPERATOR(pg_catalog.=) permissions.current_user_id() AND permissions.holds('manage_profile', account_id));
CREATE POLICY users_delete ON permissions.users FOR DELETE
    USING (permissions.holds('manage_users', account_id)
           AND id OPERATOR(pg_catalog.<>) permissions.current_user_id());

-- API credentials: manage_api_credentials; a user sees and deletes their own
CREATE POLICY api_credentials_select ON permissions.api_credentials FOR SELECT
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_insert ON permissions.api_credentials FOR INSERT
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_update ON permissions.api_credentials FOR UPDATE
    USING (permissions.holds('manage_api_credentials', account_id))
    WITH CHECK (permissions.holds('manage_api_credentials', account_id));
CREATE POLICY api_credentials_delete ON permissions.api_credentials FOR DELETE
    USING (user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
           OR permissions.holds('manage_api_credentials', account_id));

-- audit log: read by view_audit_logs holders (managers: their subtree); no writes
CREATE POLICY audit_log_select ON permissions.audit_log FOR SELECT
    USING (permissions.holds('view_audit_logs', account_id));

-- privileges: RLS decides rows; privileges only keep internals out of reach
GRANT USAGE ON SCHEMA permissions TO PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON
    permissions.accounts, permissions.users,
    permissions.performers, permissions.groups, permissions.group_members,
    permissions.teams, permissions.team_members, permissions.access_grants,
    permissions.pinpoints, permissions.charts, permissions.measurements,
    permissions.conditions, permissions.notes, permissions.tags,
    permissions.tag_assignments, permissions.journal_types, permissions.journals,
    permissions.chart_views, permissions.reporting_views
    TO PUBLIC;
GRANT SELECT (id, account_id, user_id, name, created_by, created_at, last_used_at),
      INSERT (account_id, user_id, name, secret_hash, created_by),
      DELETE
    ON permissions.api_credentials TO PUBLIC;
GRANT SELECT ON permissions.audit_log TO PUBLIC;
REVOKE ALL ON permissions.access_epoch FROM PUBLIC;
REVOKE ALL ON SEQUENCE permissions.access_epoch_seq FROM PUBLIC;
REVOKE ALL ON FUNCTION permissions.bump_access_epoch(), permissions.grant_creator(),
    permissions.audit_change()
    FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Administration from psql.  These functions run with the caller's rights:
-- row-level security and the rules above decide what each caller may do, so
-- a DBA (superuser) can do anything and an application user only what its
-- permissions allow.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.create_account(name text, parent_id bigint DEFAULT NULL,
                                           plan text DEFAULT 'standard')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    IF parent_id IS NULL AND NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can create a top-level account',
            DETAIL = 'A top-level account is a new tenant.',
            HINT = 'Pass parent_id to create a sub-account of an account you manage.';
    END IF;
    INSERT INTO permissions.accounts (name, parent_id, plan)
    VALUES (create_account.name, create_account.parent_id, create_account.plan)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_account(text, bigint, text) IS
'Creates an account (superusers) or a sub-account (managers of an ancestor, or manage_sub_accounts holders there). Returns its id.';

CREATE FUNCTION permissions.create_user(account_id bigint, username text,
                                        role permissions.role DEFAULT 'user',
                                        user_type permissions.user_type DEFAULT 'full_access',
                                        permissions permissions.permset DEFAULT '{}',
                                        access permissions.tier DEFAULT 'none',
                                        db_role regrole DEFAULT NULL,
                                        email text DEFAULT NULL,
                                        first_name text DEFAULT NULL,
                                        last_name text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO permissions.users (account_id, username, role, user_type, permissions, access,
                                   db_role, email, first_name, last_name)
    VALUES (create_user.account_id, create_user.username, create_user.role, create_user.user_type,
            create_user.permissions, create_user.access, create_user.db_role, create_user.email,
            create_user.first_name, create_user.last_name)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.create_user(bigint, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, regrole, text, text, text) IS
'Creates a user (manage_users), optionally mapped to a login role (superusers only). Returns its id.';

CREATE FUNCTION permissions.create_api_credential(user_id bigint, name text)
RETURNS text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    secret text := permissions.new_api_secret();
    owner_account bigint;
    new_id bigint;
BEGIN
    SELECT u.account_id INTO owner_account FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) create_api_credential.user_id;
    IF owner_account IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('user %s does not exist or is not visible to you', create_api_credential.user_id),
            HINT = 'Create credentials for users of accounts where you hold manage_api_credentials.';
    END IF;
    INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
    VALUES (owner_account, create_api_credential.user_id, create_api_credential.name,
            permissions.hash_api_secret(secret), permissions.current_user_id())
    RETURNING id INTO new_id;
    RETURN 'pm_' OPERATOR(pg_catalog.||) new_id OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.create_api_credential(bigint, text) IS
'Creates an API credential for a user (manage_api_credentials) and returns it. The secret is shown only this once; only its SHA-256 is stored.';

CREATE FUNCTION permissions.delete_api_credential(credential_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.api_credentials WHERE id OPERATOR(pg_catalog.=) credential_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('API credential %s does not exist or is not visible to you', credential_id),
            HINT = 'List the credentials you can see with SELECT * FROM permissions.api_credential_list.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.delete_api_credential(bigint) IS
'Deletes an API credential; sessions using it lose their identity at their next statement.';

CREATE FUNCTION permissions.grant_access(tier permissions.tier,
                                         user_id bigint DEFAULT NULL, team_id bigint DEFAULT NULL,
                                         performer_id bigint DEFAULT NULL, group_id bigint DEFAULT NULL,
                                         expires_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    IF num_nonnulls(grant_access.user_id, grant_access.team_id) OPERATOR(pg_catalog.<>) 1
       OR num_nonnulls(grant_access.performer_id, grant_access.group_id) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a grant goes to one user or one team, on one performer or one group',
            HINT = 'Pass exactly one of user_id and team_id, and exactly one of performer_id and group_id.';
    END IF;
    INSERT INTO permissions.access_grants AS g (account_id, user_id, team_id, performer_id, group_id, tier, expires_at)
    VALUES (0, grant_access.user_id, grant_access.team_id, grant_access.performer_id,
            grant_access.group_id, grant_access.tier, grant_access.expires_at)
    ON CONFLICT (user_id, team_id, performer_id, group_id)
    DO UPDATE SET tier = EXCLUDED.tier, expires_at = EXCLUDED.expires_at
    RETURNING g.id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.grant_access(permissions.tier, bigint, bigint, bigint, bigint, timestamptz) IS
'Grants a tier to a user or a team on a performer or a group (replacing an earlier grant between the same two). Returns the grant id.';

CREATE FUNCTION permissions.revoke_access(grant_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.access_grants WHERE id OPERATOR(pg_catalog.=) grant_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('grant %s does not exist or you cannot revoke it', grant_id),
            HINT = 'Revoking a grant on a performer needs tier1 on it; on a group, manage_users.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.revoke_access(bigint) IS
'Revokes a grant; every session sees the change at its next statement after commit.';

CREATE FUNCTION permissions.explain_access(user_id bigint, performer_id bigint)
RETURNS TABLE (source text, tier permissions.tier, via text, expires_at timestamptz, in_effect boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u permissions.users;
    p_account bigint;
    cap permissions.tier;
BEGIN
    SELECT * INTO u FROM permissions.users WHERE id OPERATOR(pg_catalog.=) explain_access.user_id;
    IF NOT (pg_catalog.current_setting('is_superuser')::boolean
            OR explain_access.user_id OPERATOR(pg_catalog.=) permissions.current_user_id()
            OR u.id IS NOT NULL AND permissions.holds('manage_users', u.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to examine the access of user %s', explain_access.user_id),
            DETAIL = 'Only superusers, the user itself, and holders of manage_users over the user''s account may examine a user''s access.',
            HINT = 'Ask a user manager of the account.';
    END IF;
    SELECT p.account_id INTO p_account FROM permissions.performers p WHERE p.id OPERATOR(pg_catalog.=) explain_access.performer_id;
    IF u.id IS NULL OR p_account IS NULL THEN
        RETURN;
    END IF;
    cap := CASE WHEN NOT u.active THEN 'none'::permissions.tier
                WHEN u.user_type OPERATOR(permissions.=) 'read_only' THEN 'tier4'::permissions.tier
                ELSE 'tier1'::permissions.tier END;

    RETURN QUERY
    WITH RECURSIVE up(id, parent_id, name) AS (
        SELECT a.id, a.parent_id, a.name FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) p_account
        UNION ALL
        SELECT a.id, a.parent_id, a.name FROM permissions.accounts a JOIN up ON a.id OPERATOR(pg_catalog.=) up.parent_id
    ),
    sources AS (
        SELECT 'manager'::text AS source, 'tier1'::permissions.tier AS tier,
               format('manager of account %s (%s)', up.name, up.id) AS via, NULL::timestamptz AS expires_at
          FROM up
         WHERE up.id OPERATOR(pg_catalog.=) u.account_id AND u.role OPERATOR(permissions.=) 'manager'
        UNION ALL
        SELECT 'wildcard', u.access, format('wildcard tier of account %s', u.account_id), NULL
         WHERE u.account_id OPERATOR(pg_catalog.=) p_account AND u.access OPERATOR(permissions.>) 'none'
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'direct', g.tier, format('grant %s', g.id), g.expires_at
          FROM permissions.access_grants g
         WHERE g.user_id OPERATOR(pg_catalog.=) u.id AND g.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
        UNION ALL
        SELECT 'group', g.tier, format('grant %s on group %s (%s)', g.id, gr.name, gr.id), g.expires_at
          FROM permissions.access_grants g
          JOIN permissions.groups gr ON gr.id OPERATOR(pg_catalog.=) g.group_id
          JOIN permissions.group_members gm ON gm.group_id OPERATOR(pg_catalog.=) g.group_id
         WHERE g.user_id OPERATOR(pg_catalog.=) u.id AND gm.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'team', g.tier, format('grant %s to team %s (%s)', g.id, t.name, t.id), g.expires_at
          FROM permissions.team_members tm
          JOIN permissions.teams t ON t.id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.access_grants g ON g.team_id OPERATOR(pg_catalog.=) tm.team_id
         WHERE tm.user_id OPERATOR(pg_catalog.=) u.id AND g.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
        UNION ALL
        SELECT 'team', g.tier, format('grant %s to team %s (%s) on group %s (%s)', g.id, t.name, t.id, gr.name, gr.id), g.expires_at
          FROM permissions.team_members tm
          JOIN permissions.teams t ON t.id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.access_grants g ON g.team_id OPERATOR(pg_catalog.=) tm.team_id
          JOIN permissions.groups gr ON gr.id OPERATOR(pg_catalog.=) g.group_id
          JOIN permissions.group_members gm ON gm.group_id OPERATOR(pg_catalog.=) g.group_id
         WHERE tm.user_id OPERATOR(pg_catalog.=) u.id AND gm.performer_id OPERATOR(pg_catalog.=) explain_access.performer_id
           AND u.user_type OPERATOR(permissions.<>) 'single_performer'
    )
    SELECT s.source,
           CASE WHEN s.tier OPERATOR(permissions.>) cap THEN cap ELSE s.tier END,
           s.via || CASE WHEN s.tier OPERATOR(permissions.>) cap
                         THEN format(' (%s, capped at %s by %s)', s.tier, cap,
                                     CASE WHEN u.active THEN 'user type read_only' ELSE 'inactive user' END)
                         ELSE '' END,
           s.expires_at,
           u.active AND (s.expires_at IS NULL OR s.expires_at OPERATOR(pg_catalog.>) pg_catalog.now())
      FROM sources s
     ORDER BY s.tier OPERATOR(permissions.>) 'none' DESC, s.source, s.via;
END
$$;
COMMENT ON FUNCTION permissions.explain_access(bigint, bigint) IS
'One row per source of a user''s access to a performer (manager, wildcard, direct, group, team), with its tier after the user-type cap, what it came through, when it expires and whether it is in effect.';

-- ---------------------------------------------------------------------------
-- Account administration: sub-accounts, invitations and user removal,
-- profiles, organization details, billing and usage reports, credits and
-- assessments, API credential use, 360 reviews, and moving performers
-- between accounts.
--
-- Functions that a user calls run with the caller's rights whenever
-- row-level security and the rules triggers already decide everything
-- (rename_account, move_account, remove_user, transfer_performer ...).  The
-- SECURITY DEFINER ones check the caller's permissions themselves, with
-- permissions.holds(), before touching any row: holds() reads the identity of
-- the session, which SECURITY DEFINER does not change.  A DBA is a session
-- whose role is a superuser (setting is_superuser).
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Account tree helpers
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.account_path(account bigint)
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE up(id, parent_id, path) AS (
        SELECT a.id, a.parent_id, ARRAY[a.id]
          FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) account
        UNION ALL
        SELECT a.id, a.parent_id, up.path OPERATOR(pg_catalog.||) a.id
          FROM permissions.accounts a JOIN up ON a.id OPERATOR(pg_catalog.=) up.parent_id
         WHERE NOT a.id OPERATOR(pg_catalog.=) ANY (up.path)
    )
    SELECT coalesce((SELECT up.path FROM up ORDER BY pg_catalog.cardinality(up.path) DESC LIMIT 1),
                    '{}'::bigint[])
$$;
COMMENT ON FUNCTION permissions.account_path(bigint) IS
'Internal: the account and its ancestors, from the account up to its top-level account.';

CREATE FUNCTION permissions.account_subtree(root bigint)
RETURNS TABLE (account_id bigint, parent_id bigint, depth integer)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH RECURSIVE down(id, parent_id, depth, path) AS (
        SELECT a.id, a.parent_id, 0, ARRAY[a.id]
          FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) root
        UNION ALL
        SELECT a.id, a.parent_id, down.depth OPERATOR(pg_catalog.+) 1, down.path OPERATOR(pg_catalog.||) a.id
          FROM permissions.accounts a JOIN down ON a.parent_id OPERATOR(pg_catalog.=) down.id
         WHERE NOT a.id OPERATOR(pg_catalog.=) ANY (down.path)
    )
    SELECT down.id, down.parent_id, down.depth FROM down
$$;
COMMENT ON FUNCTION permissions.account_subtree(bigint) IS
'Internal: the account and every account below it, with their depth under it.';

CREATE FUNCTION permissions.accounts_related(a bigint, b bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a OPERATOR(pg_catalog.=) ANY (permissions.account_path(b))
        OR b OPERATOR(pg_catalog.=) ANY (permissions.account_path(a))
$$;
COMMENT ON FUNCTION permissions.accounts_related(bigint, bigint) IS
'Internal: whether two accounts are the same, or one is an ancestor of the other (the same line of the account tree).';

-- ---------------------------------------------------------------------------
-- Sub-accounts: details, moves, deletion
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.account_deletions (
    account_id bigint PRIMARY KEY
);
COMMENT ON TABLE permissions.account_deletions IS
'Internal: accounts that permissions.delete_account() is deleting in the current transaction (rows never outlive the call).';

CREATE FUNCTION permissions.account_being_deleted(account bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM permissions.account_deletions d
                    WHERE d.account_id OPERATOR(pg_catalog.=) account)
$$;
COMMENT ON FUNCTION permissions.account_being_deleted(bigint) IS
'Internal: whether delete_account() is deleting the account in this transaction (the last-manager rule does not apply then).';

CREATE FUNCTION permissions.accounts_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        -- the plan is a DBA's decision: a sub-account takes its parent's
        IF NEW.parent_id IS NOT NULL THEN
            NEW.plan := coalesce((SELECT a.plan FROM permissions.accounts a
                                   WHERE a.id OPERATOR(pg_catalog.=) NEW.parent_id), NEW.plan);
        END IF;
        RETURN NEW;
    END IF;

    IF NEW.id OPERATOR(pg_catalog.<>) OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the id and creation time of an account cannot change',
            DETAIL = format('Account %s would change its id or created_at.', OLD.id),
            HINT = 'Change only the account''s details.';
    END IF;
    IF NEW.plan IS DISTINCT FROM OLD.plan THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can change the plan of an account',
            DETAIL = format('Account %s has plan "%s".', OLD.id, OLD.plan),
            HINT = 'manage_billing shows the plan; ask a DBA to change it.';
    END IF;
    IF NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
        IF OLD.parent_id IS NULL OR NEW.parent_id IS NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'only a superuser can turn a top-level account into a sub-account or back',
                DETAIL = format('Account %s would move from parent %s to parent %s.',
                                OLD.id, coalesce(OLD.parent_id::text, 'none'), coalesce(NEW.parent_id::text, 'none')),
                HINT = 'A top-level account is a tenant; ask a DBA.';
        END IF;
        IF NOT (permissions.holds('manage_sub_accounts', OLD.parent_id)
                AND permissions.holds('manage_sub_accounts', NEW.parent_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'moving a sub-account needs manage_sub_accounts over its old and its new parent',
                DETAIL = format('Account %s would move from account %s to account %s.', OLD.id, OLD.parent_id, NEW.parent_id),
                HINT = 'Ask a manager of an account above both parents.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.accounts_check_rules() IS
'Internal row trigger on accounts: for non-superusers, a new sub-account takes its parent''s plan; id, created_at and plan never change; a move needs manage_sub_accounts over the old and the new parent and never makes or unmakes a top-level account.';

CREATE FUNCTION permissions.accounts_no_cycles()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.accounts'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.accounts_no_cycles() is a trigger of permissions.accounts only';
    END IF;
    IF NEW.parent_id IS NOT NULL THEN
        -- one move at a time, so two concurrent moves cannot build a cycle together
        PERFORM pg_catalog.pg_advisory_xact_lock('permissions.accounts'::pg_catalog.regclass::pg_catalog.oid::bigint);
        IF NEW.id OPERATOR(pg_catalog.=) ANY (permissions.account_path(NEW.parent_id)) THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation',
                MESSAGE = 'an account cannot be moved under itself or one of its sub-accounts',
                DETAIL = format('Account %s is above account %s.', NEW.id, NEW.parent_id),
                HINT = 'Choose a new parent outside the account''s subtree.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.accounts_no_cycles() IS
'Internal row trigger on accounts: refuses a parent_id that would make a cycle, for everyone, serialized by a transaction advisory lock.';

CREATE TRIGGER accounts_10_rules BEFORE INSERT OR UPDATE ON permissions.accounts
    FOR EACH ROW EXECUTE FUNCTION permissions.accounts_check_rules();
COMMENT ON TRIGGER accounts_10_rules ON permissions.accounts IS
'Plan, id and move rules for non-superusers.';
CREATE TRIGGER accounts_20_no_cycles BEFORE UPDATE OF parent_id ON permissions.accounts
    FOR EACH ROW WHEN (OLD.parent_id IS DISTINCT FROM NEW.parent_id)
    EXECUTE FUNCTION permissions.accounts_no_cycles();
COMMENT ON TRIGGER accounts_20_no_cycles ON permissions.accounts IS
'The account tree stays a tree.';

CREATE FUNCTION permissions.rename_account(account_id bigint, name text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.accounts a SET name = rename_account.name
     WHERE a.id OPERATOR(pg_catalog.=) rename_account.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist or you cannot change it', rename_account.account_id),
            HINT = 'Renaming an account needs manage_organization in it, or manage_sub_accounts in its parent.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.rename_account(bigint, text) IS
'Renames an account (manage_organization in it, or manage_sub_accounts in its parent).';

CREATE FUNCTION permissions.move_account(account_id bigint, parent_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF move_account.parent_id IS NULL AND NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can turn a sub-account into a top-level account',
            HINT = 'Pass the id of the new parent account.';
    END IF;
    UPDATE permissions.accounts a SET parent_id = move_account.parent_id
     WHERE a.id OPERATOR(pg_catalog.=) move_account.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist or you cannot move it', move_account.account_id),
            HINT = 'Moving a sub-account needs manage_sub_accounts over its old and its new parent.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.move_account(bigint, bigint) IS
'Moves a sub-account under another parent (manage_sub_accounts over the old and the new parent; never under itself or its own sub-accounts).';

CREATE FUNCTION permissions.delete_account(account_id bigint, force boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
    me bigint := permissions.current_user_id();
    acct permissions.accounts;
    subtree bigint[];
    n_users bigint;
    n_performers bigint;
    r record;
BEGIN
    SELECT * INTO acct FROM permissions.accounts a
     WHERE a.id OPERATOR(pg_catalog.=) delete_account.account_id FOR UPDATE;
    IF NOT FOUND OR NOT (dba OR acct.parent_id IS NOT NULL
                               AND permissions.holds('manage_sub_accounts', acct.parent_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('account %s does not exist or you cannot delete it', delete_account.account_id),
            DETAIL = 'Deleting a sub-account needs manage_sub_accounts in its parent account; only a superuser deletes a top-level account.',
            HINT = 'Ask a manager of the parent account.';
    END IF;

    -- lock the whole subtree: no user, performer or sub-account can join it meanwhile
    SELECT pg_catalog.array_agg(s.account_id ORDER BY s.account_id) INTO subtree
      FROM permissions.account_subtree(acct.id) s;
    PERFORM 1 FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) ANY (subtree)
     ORDER BY a.id FOR UPDATE;
    SELECT pg_catalog.array_agg(s.account_id ORDER BY s.account_id) INTO subtree
      FROM permissions.account_subtree(acct.id) s;

    SELECT pg_catalog.count(*) INTO n_users FROM permissions.users u
     WHERE u.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    SELECT pg_catalog.count(*) INTO n_performers FROM permissions.performers p
     WHERE p.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    IF NOT coalesce(force, false) AND (n_users OPERATOR(pg_catalog.>) 0 OR n_performers OPERATOR(pg_catalog.>) 0
                                       OR pg_catalog.cardinality(subtree) OPERATOR(pg_catalog.>) 1) THEN
        RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
            MESSAGE = format('account %s still has users, performers or sub-accounts', acct.id),
            DETAIL = format('Account %s and its sub-accounts hold %s users and %s performers; it has %s sub-accounts in all.',
                            acct.id, n_users, n_performers, pg_catalog.cardinality(subtree) OPERATOR(pg_catalog.-) 1),
            HINT = format('Move or remove them first, or delete everything with permissions.delete_account(%s, force => true).', acct.id);
    END IF;

    INSERT INTO permissions.account_deletions SELECT pg_catalog.unnest(subtree);

    -- credits left in the subtree go back to the parent (a top-level account's are written off)
    IF acct.parent_id IS NOT NULL THEN
        INSERT INTO permissions.account_credits (account_id) VALUES (acct.parent_id) ON CONFLICT DO NOTHING;
    END IF;
    PERFORM 1 FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) ANY (subtree OPERATOR(pg_catalog.||) acct.parent_id)
     ORDER BY c.account_id FOR UPDATE;
    FOR r IN SELECT c.account_id, c.balance FROM permissions.account_credits c
              WHERE c.account_id OPERATOR(pg_catalog.=) ANY (subtree) AND c.balance OPERATOR(pg_catalog.>) 0
              ORDER BY c.account_id
    LOOP
        INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
        VALUES (r.account_id, OPERATOR(pg_catalog.-) r.balance, 'account deleted', acct.parent_id, me);
        IF acct.parent_id IS NOT NULL THEN
            INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
            VALUES (acct.parent_id, r.balance, 'returned by a deleted sub-account', r.account_id, me);
        END IF;
    END LOOP;

    -- performer data (charts, measurements, grants, assessments, reviews ... cascade)
    DELETE FROM permissions.performers p WHERE p.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    -- the account's libraries and saved views
    DELETE FROM permissions.groups x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.teams x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.tags x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.pinpoints x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.journal_types x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.chart_views x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.reporting_views x WHERE x.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    -- users (their credentials, memberships, grants and invitations cascade)
    DELETE FROM permissions.users u WHERE u.account_id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) ANY (subtree);
    DELETE FROM permissions.account_deletions d WHERE d.account_id OPERATOR(pg_catalog.=) ANY (subtree);
END
$$;
COMMENT ON FUNCTION permissions.delete_account(bigint, boolean) IS
'Deletes a sub-account (manage_sub_accounts in its parent; top-level accounts: superusers). Refused while it holds users, performers or sub-accounts unless force, which deletes them all; remaining credits go back to the parent.';

-- ---------------------------------------------------------------------------
-- Users: invitations, profiles, removal
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.invitations (
    user_id     bigint PRIMARY KEY REFERENCES permissions.users (id) ON DELETE CASCADE,
    account_id  bigint NOT NULL,
    token_hash  bytea NOT NULL CHECK (length(token_hash) = 32),
    invited_by  bigint,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL
);
COMMENT ON TABLE permissions.invitations IS
'Pending invitations of invited users. Only the SHA-256 of the invitation token is kept; the token is shown once, by invite_user() or reissue_invitation().';

CREATE FUNCTION permissions.reissue_invitation(user_id bigint, valid_for interval DEFAULT '7 days')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    u permissions.users;
    me permissions.users;
    secret text := permissions.new_api_secret();
BEGIN
    SELECT * INTO u FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) reissue_invitation.user_id FOR UPDATE;
    IF NOT FOUND OR NOT (pg_catalog.current_setting('is_superuser')::boolean
                         OR permissions.holds('manage_users', u.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('user %s does not exist or you cannot invite it', reissue_invitation.user_id),
            HINT = 'Inviting users needs manage_users in their account.';
    END IF;
    IF u.status OPERATOR(pg_catalog.<>) 'invited' THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = format('user %s is not invited', u.id),
            DETAIL = format('User "%s" has status %s.', u.username, u.status),
            HINT = 'Invite new users with permissions.invite_user().';
    END IF;
    -- whoever holds the token can become the user: outside a manager's
    -- account, only users with no more rights than the caller's are invited
    IF NOT (pg_catalog.current_setting('is_superuser')::boolean OR permissions.manages(u.account_id)) THEN
        SELECT * INTO me FROM permissions.users x WHERE x.id OPERATOR(pg_catalog.=) permissions.current_user_id();
        IF u.role OPERATOR(permissions.<>) 'user'
           OR NOT (me.permissions OPERATOR(permissions.@>) u.permissions)
           OR u.access OPERATOR(permissions.>) me.access
           OR EXISTS (SELECT 1 FROM permissions.access_grants g WHERE g.user_id OPERATOR(pg_catalog.=) u.id)
           OR EXISTS (SELECT 1 FROM permissions.team_members t WHERE t.user_id OPERATOR(pg_catalog.=) u.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = format('you cannot invite user %s', u.id),
                DETAIL = 'An invitation lets whoever holds it act as the user, who has rights (role, permissions, tier, grants or teams) beyond yours.',
                HINT = 'Ask a manager of the account to send the invitation.';
        END IF;
    END IF;
    IF valid_for IS NULL OR valid_for OPERATOR(pg_catalog.<=) interval '0' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'an invitation must be valid for a positive time',
            HINT = 'Pass valid_for => interval ''7 days'', for instance.';
    END IF;
    INSERT INTO permissions.invitations AS i (user_id, account_id, token_hash, invited_by, expires_at)
    VALUES (u.id, u.account_id, permissions.hash_api_secret(secret), permissions.current_user_id(),
            pg_catalog.now() OPERATOR(pg_catalog.+) valid_for)
    ON CONFLICT ON CONSTRAINT invitations_pkey DO UPDATE
       SET account_id = EXCLUDED.account_id, token_hash = EXCLUDED.token_hash,
           invited_by = EXCLUDED.invited_by, created_at = EXCLUDED.created_at,
           expires_at = EXCLUDED.expires_at;
    RETURN 'pi_' OPERATOR(pg_catalog.||) u.id OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.reissue_invitation(bigint, interval) IS
'Issues a new invitation token for an invited user (manage_users in its account; a user manager who is not a manager of the account only for users with no more rights than its own), replacing the previous one. The token is shown only this once.';

CREATE FUNCTION permissions.invite_user(account_id bigint, email text,
                                        username text DEFAULT NULL,
                                        role permissions.role DEFAULT 'user',
                                        user_type permissions.user_type DEFAULT 'full_access',
                                        permissions permissions.permset DEFAULT '{}',
                                        access permissions.tier DEFAULT 'none',
                                        first_name text DEFAULT NULL,
                                        last_name text DEFAULT NULL,
                                        valid_for interval DEFAULT '7 days',
                                        OUT user_id bigint, OUT invitation text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF invite_user.email IS NULL OR pg_catalog.strpos(invite_user.email, '@') OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('invalid email address for an invitation: "%s"', invite_user.email),
            HINT = 'Pass the address the invitation is sent to.';
    END IF;
    INSERT INTO permissions.users (account_id, username, email, first_name, last_name, role,
                                   user_type, permissions, access, active, status)
    VALUES (invite_user.account_id, coalesce(invite_user.username, invite_user.email), invite_user.email,
            invite_user.first_name, invite_user.last_name, invite_user.role, invite_user.user_type,
            invite_user.permissions, invite_user.access, false, 'invited')
    RETURNING id INTO invite_user.user_id;
    invite_user.invitation := permissions.reissue_invitation(invite_user.user_id, invite_user.valid_for);
END
$$;
COMMENT ON FUNCTION permissions.invite_user(bigint, text, text, permissions.role, permissions.user_type, permissions.permset, permissions.tier, text, text, interval) IS
'Invites a user (manage_users; the grant ceiling applies): an inactive user with status invited, and an invitation token, shown only this once, to hand to permissions.accept_invitation().';

CREATE FUNCTION permissions.accept_invitation(invitation text, credential_name text DEFAULT 'default')
RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parts text[];
    inv permissions.invitations;
    secret text := permissions.new_api_secret();
    cred bigint;
BEGIN
    parts := pg_catalog.regexp_match(invitation, '^pi_([1-9][0-9]{0,17})_([0-9a-f]{64})$');
    IF parts IS NOT NULL THEN
        SELECT * INTO inv FROM permissions.invitations i
         WHERE i.user_id OPERATOR(pg_catalog.=) parts[1]::bigint FOR UPDATE;
    END IF;
    IF parts IS NULL OR inv.user_id IS NULL
       OR inv.token_hash OPERATOR(pg_catalog.<>) permissions.hash_api_secret(parts[2]) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invalid invitation',
            DETAIL = 'The invitation is malformed, unknown, already accepted or replaced by a newer one.',
            HINT = 'Use the full token returned by permissions.invite_user() or permissions.reissue_invitation().';
    END IF;
    IF inv.expires_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invitation expired',
            DETAIL = format('The invitation expired at %s.', inv.expires_at),
            HINT = 'Ask a user manager for a new one (permissions.reissue_invitation()).';
    END IF;
    UPDATE permissions.users u SET status = 'active', active = true
     WHERE u.id OPERATOR(pg_catalog.=) inv.user_id AND u.status OPERATOR(pg_catalog.=) 'invited';
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_authorization_specification',
            MESSAGE = 'invalid invitation',
            DETAIL = 'The invited user is no longer waiting for its invitation.',
            HINT = 'Ask a user manager.';
    END IF;
    DELETE FROM permissions.invitations i WHERE i.user_id OPERATOR(pg_catalog.=) inv.user_id;
    INSERT INTO permissions.api_credentials (account_id, user_id, name, secret_hash, created_by)
    VALUES (inv.account_id, inv.user_id, credential_name, permissions.hash_api_secret(secret), inv.user_id)
    RETURNING id INTO cred;
    RETURN 'pm_' OPERATOR(pg_catalog.||) cred OPERATOR(pg_catalog.||) '_' OPERATOR(pg_catalog.||) secret;
END
$$;
COMMENT ON FUNCTION permissions.accept_invitation(text, text) IS
'Accepts an invitation: the user becomes active and gets a first API credential, returned (shown only this once) so the application can authenticate as it.';

CREATE FUNCTION permissions.users_drop_invitation()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.users'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.users_drop_invitation() is a trigger of permissions.users only';
    END IF;
    DELETE FROM permissions.invitations i WHERE i.user_id OPERATOR(pg_catalog.=) NEW.id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.users_drop_invitation() IS
'Internal row trigger on users: a user no longer invited (activated by accept_invitation() or by a DBA), or whose rights changed while invited, has no pending invitation.';

CREATE TRIGGER users_70_drop_invitation AFTER UPDATE OF status, role, user_type, permissions, access ON permissions.users
    FOR EACH ROW WHEN (OLD.status = 'invited'
                       AND (NEW.status <> 'invited' OR NEW.role <> OLD.role OR NEW.user_type <> OLD.user_type
                            OR NEW.permissions <> OLD.permissions OR NEW.access <> OLD.access))
    EXECUTE FUNCTION permissions.users_drop_invitation();
COMMENT ON TRIGGER users_70_drop_invitation ON permissions.users IS
'An invitation ends when the user stops being invited, or when its rights change (whoever saw the old token must not get the new rights).';

CREATE FUNCTION permissions.remove_user(user_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) remove_user.user_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('user %s does not exist or you cannot remove it', remove_user.user_id),
            HINT = 'Removing a user needs manage_users in the user''s account; nobody removes themselves.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.remove_user(bigint) IS
'Removes a user (manage_users in its account; managers only by managers of the account; never oneself, never the last manager of a top-level account). Its credentials, memberships and grants go with it.';

CREATE FUNCTION permissions.users_check_profile()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    changed text;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    IF NEW.id OPERATOR(pg_catalog.<>) OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'the id and creation time of a user cannot change',
            DETAIL = format('User "%s" would change its id or created_at.', OLD.username),
            HINT = 'Create a new user instead.';
    END IF;
    IF OLD.id OPERATOR(pg_catalog.=) permissions.current_user_id() THEN
        SELECT pg_catalog.string_agg(n.key, ', ' ORDER BY n.key) INTO changed
          FROM pg_catalog.jsonb_each(pg_catalog.to_jsonb(NEW)) n
         WHERE n.key OPERATOR(pg_catalog.<>) ALL (ARRAY['email', 'username', 'first_name', 'last_name', 'picture_url'])
           AND n.value IS DISTINCT FROM pg_catalog.to_jsonb(OLD) OPERATOR(pg_catalog.->) n.key;
        IF changed IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'you can change only the profile fields of your own user',
                DETAIL = format('You tried to change %s.', changed),
                HINT = 'Profile fields are email, username, first_name, last_name and picture_url; ask a user manager for anything else.';
        END IF;
        IF NOT permissions.holds('manage_profile', OLD.account_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
                MESSAGE = 'changing your own profile needs manage_profile',
                DETAIL = 'You do not hold manage_profile.',
                HINT = 'Ask a user manager to change your profile or to give you manage_profile.';
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.users_check_profile() IS
'Internal row trigger on users: for non-superusers, id and created_at never change, and a user changes only the profile fields of its own row, with manage_profile.';

CREATE FUNCTION permissions.users_check_removal()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser()
       AND OLD.role OPERATOR(permissions.=) 'manager'
       AND NOT permissions.manages(OLD.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only managers of the account can remove a manager',
            DETAIL = format('User "%s" is a manager of account %s.', OLD.username, OLD.account_id),
            HINT = 'Ask a manager of the account or of a parent account.';
    END IF;
    RETURN OLD;
END
$$;
COMMENT ON FUNCTION permissions.users_check_removal() IS
'Internal row trigger on users: a user manager who is not a manager of the account cannot remove a manager.';

CREATE TRIGGER users_12_profile BEFORE UPDATE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_profile();
COMMENT ON TRIGGER users_12_profile ON permissions.users IS
'manage_profile: one''s own profile fields only.';
CREATE TRIGGER users_14_removal BEFORE DELETE ON permissions.users
    FOR EACH ROW EXECUTE FUNCTION permissions.users_check_removal();
COMMENT ON TRIGGER users_14_removal ON permissions.users IS
'Only managers remove managers.';

-- ---------------------------------------------------------------------------
-- Billing and usage reports
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.billing_summary()
RETURNS TABLE (account_id bigint, parent_id bigint, name text, plan text,
               users bigint, active_users bigint, performers bigint)
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT a.id, a.parent_id, a.name, a.plan,
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) a.id),
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) a.id AND u.active),
           (SELECT pg_catalog.count(*) FROM permissions.performers p
             WHERE p.account_id OPERATOR(pg_catalog.=) a.id)
      FROM permissions.accounts a
     WHERE pg_catalog.current_setting('is_superuser')::boolean
        OR permissions.holds('manage_billing', a.id)
     ORDER BY a.id
$$;
COMMENT ON FUNCTION permissions.billing_summary() IS
'Plan, user count and performer count of every account where the caller holds manage_billing (superusers: every account); counted over all rows, not only those the caller could read.';

CREATE VIEW permissions.billing AS
    SELECT account_id, parent_id, name, plan, users, active_users, performers
      FROM permissions.billing_summary();
COMMENT ON VIEW permissions.billing IS
'manage_billing: plan, users (all, and active) and performers of each account where the caller holds manage_billing.';

CREATE FUNCTION permissions.usage_report(root bigint,
                                         since timestamptz DEFAULT '-infinity',
                                         until timestamptz DEFAULT 'infinity')
RETURNS TABLE (account_id bigint, parent_id bigint, name text, depth integer,
               users bigint, performers bigint, assessments bigint,
               credits_spent bigint, credit_balance bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
BEGIN
    IF NOT (dba OR permissions.holds('view_usage_reports', usage_report.root)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to view the usage report of account %s', usage_report.root),
            DETAIL = 'A usage report needs view_usage_reports in the account (managers hold it in their whole subtree).',
            HINT = 'Ask a manager of the account.';
    END IF;
    RETURN QUERY
    SELECT s.account_id, s.parent_id, a.name, s.depth,
           (SELECT pg_catalog.count(*) FROM permissions.users u
             WHERE u.account_id OPERATOR(pg_catalog.=) s.account_id),
           (SELECT pg_catalog.count(*) FROM permissions.performers p
             WHERE p.account_id OPERATOR(pg_catalog.=) s.account_id),
           (SELECT pg_catalog.count(*) FROM permissions.assessments x
             WHERE x.account_id OPERATOR(pg_catalog.=) s.account_id
               AND x.taken_at OPERATOR(pg_catalog.>=) usage_report.since
               AND x.taken_at OPERATOR(pg_catalog.<) usage_report.until),
           coalesce((SELECT OPERATOR(pg_catalog.-) pg_catalog.sum(l.amount) FROM permissions.credit_ledger l
                      WHERE l.account_id OPERATOR(pg_catalog.=) s.account_id
                        AND l.assessment_id IS NOT NULL
                        AND l.created_at OPERATOR(pg_catalog.>=) usage_report.since
                        AND l.created_at OPERATOR(pg_catalog.<) usage_report.until), 0)::bigint,
           coalesce((SELECT c.balance FROM permissions.account_credits c
                      WHERE c.account_id OPERATOR(pg_catalog.=) s.account_id), 0)
      FROM permissions.account_subtree(usage_report.root) s
      JOIN permissions.accounts a ON a.id OPERATOR(pg_catalog.=) s.account_id
     WHERE dba OR permissions.holds('view_usage_reports', s.account_id)
     ORDER BY s.depth, s.account_id;
END
$$;
COMMENT ON FUNCTION permissions.usage_report(bigint, timestamptz, timestamptz) IS
'view_usage_reports: per account of the subtree of root where the caller holds it, users, performers, assessments taken and credits spent on them in [since, until), and the credit balance.';

-- ---------------------------------------------------------------------------
-- Credits and assessments
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.account_credits (
    account_id  bigint PRIMARY KEY REFERENCES permissions.accounts (id) ON DELETE CASCADE,
    balance     bigint NOT NULL DEFAULT 0 CONSTRAINT account_credits_balance_not_negative CHECK (balance >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE permissions.account_credits IS
'Credit balance of each account: the sum of its credit_ledger entries, kept by a trigger on the ledger. The row is locked by every movement, and the CHECK keeps it from going below zero.';

CREATE TABLE permissions.credit_ledger (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         bigint NOT NULL,
    amount             bigint NOT NULL CHECK (amount <> 0),
    reason             text NOT NULL CHECK (reason <> ''),
    related_account_id bigint,
    assessment_id      bigint,
    created_by         bigint DEFAULT permissions.current_user_id(),
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_ledger_account_id_idx ON permissions.credit_ledger (account_id, created_at);
COMMENT ON TABLE permissions.credit_ledger IS
'Append-only credit movements (+ in, - out). Written only by add_credits(), transfer_credits(), assessments and delete_account(); entries outlive a deleted account.';
COMMENT ON COLUMN permissions.credit_ledger.related_account_id IS
'The other account of a transfer.';
COMMENT ON COLUMN permissions.credit_ledger.assessment_id IS
'The assessment a credit was spent on.';

CREATE FUNCTION permissions.credit_ledger_apply()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.credit_ledger'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.credit_ledger_apply() is a trigger of permissions.credit_ledger only';
    END IF;
    INSERT INTO permissions.account_credits (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
    UPDATE permissions.account_credits c
       SET balance = c.balance OPERATOR(pg_catalog.+) NEW.amount, updated_at = pg_catalog.now()
     WHERE c.account_id OPERATOR(pg_catalog.=) NEW.account_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.credit_ledger_apply() IS
'Internal row trigger on credit_ledger: adds the entry to the account''s balance (the CHECK on account_credits refuses a negative balance).';

CREATE TRIGGER credit_ledger_10_apply AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.credit_ledger_apply();
COMMENT ON TRIGGER credit_ledger_10_apply ON permissions.credit_ledger IS
'Keeps account_credits equal to the sum of the ledger.';
CREATE TRIGGER credit_ledger_80_audit AFTER INSERT ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.audit_change();
COMMENT ON TRIGGER credit_ledger_80_audit ON permissions.credit_ledger IS
'Every credit movement is audited.';
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON permissions.credit_ledger
    FOR EACH ROW EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
COMMENT ON TRIGGER credit_ledger_append_only ON permissions.credit_ledger IS
'Ledger entries never change.';
CREATE TRIGGER credit_ledger_no_truncate BEFORE TRUNCATE ON permissions.credit_ledger
    FOR EACH STATEMENT EXECUTE FUNCTION permissions.append_only(
        'Credit movements can be neither changed nor deleted.',
        'Correct a movement with a new one (permissions.transfer_credits() or permissions.add_credits()).');
COMMENT ON TRIGGER credit_ledger_no_truncate ON permissions.credit_ledger IS
'Ledger entries are never deleted.';

CREATE VIEW permissions.credit_balances WITH (security_invoker = true) AS
    SELECT a.id AS account_id, a.parent_id, a.name, coalesce(c.balance, 0) AS balance
      FROM permissions.accounts a
      LEFT JOIN permissions.account_credits c ON c.account_id OPERATOR(pg_catalog.=) a.id
     WHERE permissions.holds('manage_credits', a.id);
COMMENT ON VIEW permissions.credit_balances IS
'manage_credits: the credit balance of each account where the caller holds manage_credits.';

CREATE FUNCTION permissions.add_credits(account_id bigint, amount bigint, reason text DEFAULT 'purchase')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parent bigint;
    new_balance bigint;
BEGIN
    IF NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can add credits',
            DETAIL = 'Credits enter the system at a top-level account, when a DBA records a purchase.',
            HINT = 'Credit managers move credits with permissions.transfer_credits().';
    END IF;
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot add %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits.';
    END IF;
    SELECT a.parent_id INTO parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) add_credits.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist', add_credits.account_id);
    END IF;
    IF parent IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('account %s is a sub-account', add_credits.account_id),
            DETAIL = 'Credits are added to top-level accounts only.',
            HINT = 'Add them to the top-level account and transfer them down with permissions.transfer_credits().';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, created_by)
    VALUES (add_credits.account_id, amount, coalesce(reason, 'purchase'), permissions.current_user_id());
    SELECT c.balance INTO new_balance FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) add_credits.account_id;
    RETURN new_balance;
END
$$;
COMMENT ON FUNCTION permissions.add_credits(bigint, bigint, text) IS
'DBA: adds credits to a top-level account (a purchase). Returns the new balance.';

CREATE FUNCTION permissions.transfer_credits(from_account bigint, to_account bigint, amount bigint,
                                             reason text DEFAULT 'transfer')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := pg_catalog.current_setting('is_superuser')::boolean;
    from_parent bigint;
    to_parent bigint;
    parent bigint;
    available bigint;
    me bigint := permissions.current_user_id();
BEGIN
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot transfer %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits; the direction is from_account to to_account.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', from_account)
                OR permissions.holds('manage_credits', to_account)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = 'Transferring credits needs manage_credits in the parent account of the two.',
            HINT = 'Ask a credit manager of the parent account.';
    END IF;
    SELECT a.parent_id INTO from_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) from_account;
    SELECT a.parent_id INTO to_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) to_account;
    parent := CASE WHEN to_parent OPERATOR(pg_catalog.=) from_account THEN from_account
                   WHEN from_parent OPERATOR(pg_catalog.=) to_account THEN to_account END;
    IF parent IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'credits move only between an account and one of its direct sub-accounts',
            DETAIL = format('Neither of accounts %s and %s is the parent of the other.', from_account, to_account),
            HINT = 'Transfer step by step along the account tree.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', parent)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = format('Transferring credits needs manage_credits in the parent account %s.', parent),
            HINT = 'Ask a credit manager of the parent account.';
    END IF;

    -- lock both balances in account order (no deadlock between opposite
    -- transfers), then check: a concurrent transfer waits here and sees the
    -- balance this one leaves
    INSERT INTO permissions.account_credits (account_id)
    VALUES (LEAST(from_account, to_account)), (GREATEST(from_account, to_account))
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) ANY (ARRAY[from_account, to_account])
     ORDER BY c.account_id FOR UPDATE;
    SELECT c.balance INTO available FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) from_account;
    IF available OPERATOR(pg_catalog.<) amount THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('account %s does not have enough credits', from_account),
            DETAIL = format('Its balance is %s; the transfer needs %s.', available, amount),
            HINT = 'Transfer fewer credits, or move credits into the account first.';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
    VALUES (from_account, OPERATOR(pg_catalog.-) amount, coalesce(reason, 'transfer'), to_account, me),
           (to_account, amount, coalesce(reason, 'transfer'), from_account, me);
    RETURN available OPERATOR(pg_catalog.-) amount;
END
$$;
COMMENT ON FUNCTION permissions.transfer_credits(bigint, bigint, bigint, text) IS
'manage_credits in the parent: moves credits between an account and one of its direct sub-accounts, either way, atomically and never below zero (correct under concurrent transfers). Returns the balance left in from_account.';

CREATE TABLE permissions.assessments (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    kind         text NOT NULL CHECK (kind <> ''),
    taken_at     timestamptz NOT NULL DEFAULT now(),
    score        jsonb,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX assessments_performer_id_idx ON permissions.assessments (performer_id, taken_at);
CREATE INDEX assessments_account_id_idx ON permissions.assessments (account_id, taken_at);
COMMENT ON TABLE permissions.assessments IS
'Assessments taken by a performer. Creating one spends one credit of the performer''s account (refused when it has none left); seen like performer data, created with tier3 or above.';

CREATE FUNCTION permissions.assessments_spend_credit()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    available bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.assessments'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.assessments_spend_credit() is a trigger of permissions.assessments only';
    END IF;
    INSERT INTO permissions.account_credits (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
    SELECT c.balance INTO available FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) NEW.account_id FOR UPDATE;
    IF available OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('account %s has no credits left', NEW.account_id),
            DETAIL = 'Creating an assessment spends one credit of the performer''s account.',
            HINT = 'Ask a credit manager of the parent account to transfer credits to it.';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, assessment_id, created_by)
    VALUES (NEW.account_id, -1, 'assessment', NEW.id, permissions.current_user_id());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.assessments_spend_credit() IS
'Internal row trigger on assessments: spends one credit of the performer''s account, under a lock on its balance, or refuses the assessment.';

CREATE TRIGGER assessments_10_stamp BEFORE INSERT OR UPDATE ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
COMMENT ON TRIGGER assessments_10_stamp ON permissions.assessments IS
'created_by is the creator and never changes.';
CREATE TRIGGER assessments_50_spend AFTER INSERT ON permissions.assessments
    FOR EACH ROW EXECUTE FUNCTION permissions.assessments_spend_credit();
COMMENT ON TRIGGER assessments_50_spend ON permissions.assessments IS
'One credit per assessment.';

-- ---------------------------------------------------------------------------
-- API credentials: listing, creation rule, recording each use
-- ---------------------------------------------------------------------------

-- Uses are kept apart from the credential row: recording one locks the
-- row it writes until the authenticating transaction ends, and a credential
-- (or its user) must be deletable at once, without waiting for that.
CREATE TABLE permissions.api_credential_uses (
    credential_id bigint PRIMARY KEY,
    last_used_at  timestamptz
);
COMMENT ON TABLE permissions.api_credential_uses IS
'When each API credential was last used (to the second). Written by authenticate() only; no foreign key, so deleting a credential never waits for a session that is recording a use of it.';

COMMENT ON COLUMN permissions.api_credentials.last_used_at IS
'Not maintained: uses are recorded in api_credential_uses (read them in api_credential_list), so that deleting a credential never waits for a session that is recording a use of it.';

CREATE FUNCTION permissions.api_credentials_track_uses()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.api_credentials'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.api_credentials_track_uses() is a trigger of permissions.api_credentials only';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' THEN
        INSERT INTO permissions.api_credential_uses (credential_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    ELSE
        -- a row a session is writing right now stays behind, harmlessly
        DELETE FROM permissions.api_credential_uses u
         WHERE u.credential_id OPERATOR(pg_catalog.=) (
               SELECT x.credential_id FROM permissions.api_credential_uses x
                WHERE x.credential_id OPERATOR(pg_catalog.=) OLD.id FOR UPDATE SKIP LOCKED);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.api_credentials_track_uses() IS
'Internal row trigger on api_credentials: a new credential gets its api_credential_uses row; a deleted one loses it unless a session holds it.';

CREATE TRIGGER api_credentials_70_uses AFTER INSERT OR DELETE ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_track_uses();
COMMENT ON TRIGGER api_credentials_70_uses ON permissions.api_credentials IS
'Keeps one api_credential_uses row per credential.';

CREATE VIEW permissions.api_credential_list WITH (security_invoker = true) AS
    SELECT c.id, c.account_id, c.user_id, c.name, c.created_by, c.created_at, u.last_used_at
      FROM permissions.api_credentials c
      LEFT JOIN permissions.api_credential_uses u ON u.credential_id OPERATOR(pg_catalog.=) c.id;
COMMENT ON VIEW permissions.api_credential_list IS
'API credentials the caller may see (its own; all of the accounts where it holds manage_api_credentials) and when each was last used; never the secret or its hash.';

CREATE FUNCTION permissions.api_credentials_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    me bigint;
BEGIN
    IF permissions.caller_is_superuser() THEN
        RETURN NEW;
    END IF;
    me := permissions.current_user_id();
    IF me IS NULL THEN
        RETURN NEW;             -- row-level security refuses the write
    END IF;
    NEW.created_by := me;
    IF NEW.user_id OPERATOR(pg_catalog.<>) me AND NOT permissions.manages(NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'you can create API credentials only for yourself',
            DETAIL = 'A credential acts as its user; only managers of the user''s account create credentials for other users.',
            HINT = 'Create the credential for your own user, or ask a manager of the account.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.api_credentials_check_rules() IS
'Internal row trigger on api_credentials: for non-superusers, created_by is the creator, and a credential for another user (which would act as that user) needs to be a manager of its account.';

CREATE TRIGGER api_credentials_10_rules BEFORE INSERT ON permissions.api_credentials
    FOR EACH ROW EXECUTE FUNCTION permissions.api_credentials_check_rules();
COMMENT ON TRIGGER api_credentials_10_rules ON permissions.api_credentials IS
'No credential that acts as someone the creator does not manage.';

CREATE FUNCTION permissions.touch_api_credential(credential_id bigint)
RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE permissions.api_credential_uses u SET last_used_at = pg_catalog.now()
     WHERE u.credential_id OPERATOR(pg_catalog.=) (
           SELECT x.credential_id FROM permissions.api_credential_uses x
            WHERE x.credential_id OPERATOR(pg_catalog.=) touch_api_credential.credential_id
              AND (x.last_used_at IS NULL
                   OR x.last_used_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 second'))
              FOR NO KEY UPDATE SKIP LOCKED)
$$;
COMMENT ON FUNCTION permissions.touch_api_credential(bigint) IS
'Internal: records a use of an API credential (at most once a second, never waiting for a lock). authenticate() calls it as a superuser; neither the access epoch nor the audit log moves.';

-- ---------------------------------------------------------------------------
-- 360 reviews
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.reviews (
    id           bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL,
    performer_id bigint NOT NULL,
    title        text NOT NULL CHECK (title <> ''),
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'open', 'closed')),
    due_on       date,
    created_by   bigint DEFAULT permissions.current_user_id(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    FOREIGN KEY (performer_id, account_id) REFERENCES permissions.performers (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE,
    UNIQUE (id, account_id)
);
CREATE INDEX reviews_account_id_idx ON permissions.reviews (account_id);
CREATE INDEX reviews_performer_id_idx ON permissions.reviews (performer_id);
COMMENT ON TABLE permissions.reviews IS
'360 reviews of a performer. manage_reviews holders create, change and delete them; participants see the reviews they take part in.';

CREATE TABLE permissions.review_participants (
    review_id   bigint NOT NULL,
    account_id  bigint NOT NULL,
    user_id     bigint NOT NULL REFERENCES permissions.users (id) ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'reviewer' CHECK (role IN ('reviewer', 'subject')),
    added_by    bigint DEFAULT permissions.current_user_id(),
    PRIMARY KEY (review_id, user_id),
    FOREIGN KEY (review_id, account_id) REFERENCES permissions.reviews (id, account_id)
        ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX review_participants_user_id_idx ON permissions.review_participants (user_id);
COMMENT ON TABLE permissions.review_participants IS
'Who takes part in a 360 review, and as what. account_id is the review''s (set by a trigger); participants are users of that account, of an account above it or of one of its sub-accounts.';

CREATE FUNCTION permissions.is_review_participant(review_id bigint)
RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (SELECT 1 FROM permissions.review_participants p
                    WHERE p.review_id OPERATOR(pg_catalog.=) is_review_participant.review_id
                      AND p.user_id OPERATOR(pg_catalog.=) permissions.current_user_id())
$$;
COMMENT ON FUNCTION permissions.is_review_participant(bigint) IS
'Policy check: does the current user take part in the review?';

CREATE FUNCTION permissions.review_participants_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    user_account bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.review_participants'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.review_participants_check_rules() is a trigger of permissions.review_participants only';
    END IF;
    SELECT r.account_id INTO NEW.account_id FROM permissions.reviews r
     WHERE r.id OPERATOR(pg_catalog.=) NEW.review_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = format('review %s does not exist', NEW.review_id),
            HINT = 'Add participants to an existing review.';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        NEW.added_by := OLD.added_by;
    END IF;
    SELECT u.account_id INTO user_account FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    IF user_account IS NOT NULL AND NOT permissions.accounts_related(user_account, NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = 'review participants are users of the review''s account, of an account above it, or of one of its sub-accounts',
            DETAIL = format('User %s belongs to account %s; the review to account %s.', NEW.user_id, user_account, NEW.account_id),
            HINT = 'Choose a participant from the review''s part of the account tree.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.review_participants_check_rules() IS
'Internal row trigger on review_participants: account_id is the review''s, added_by never changes, and the participant belongs to the review''s line of the account tree.';

CREATE TRIGGER reviews_10_stamp BEFORE INSERT OR UPDATE ON permissions.reviews
    FOR EACH ROW EXECUTE FUNCTION permissions.stamp_creator();
COMMENT ON TRIGGER reviews_10_stamp ON permissions.reviews IS
'created_by is the creator and never changes.';
CREATE TRIGGER review_participants_10_rules BEFORE INSERT OR UPDATE ON permissions.review_participants
    FOR EACH ROW EXECUTE FUNCTION permissions.review_participants_check_rules();
COMMENT ON TRIGGER review_participants_10_rules ON permissions.review_participants IS
'Participants come from the review''s line of the account tree.';

-- ---------------------------------------------------------------------------
-- Moving a performer between accounts
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.performers_check_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT permissions.caller_is_superuser()
       AND NOT (permissions.holds('transfer_performers', OLD.account_id)
                AND permissions.holds('transfer_performers', NEW.account_id)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'moving a performer needs transfer_performers in both accounts',
            DETAIL = format('Performer %s would move from account %s to account %s.', OLD.id, OLD.account_id, NEW.account_id),
            HINT = 'Ask a manager of both accounts (permissions.transfer_performer()).';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.performers_check_transfer() IS
'Internal row trigger on performers: changing account_id needs transfer_performers in the old and the new account (managers hold it in their subtree), for every non-superuser and every SQL path.';

CREATE FUNCTION permissions.performers_prepare_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.performers'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.performers_prepare_transfer() is a trigger of permissions.performers only';
    END IF;

    -- groups and tags are libraries of the old account
    DELETE FROM permissions.group_members gm WHERE gm.performer_id OPERATOR(pg_catalog.=) OLD.id;
    DELETE FROM permissions.tag_assignments ta WHERE ta.performer_id OPERATOR(pg_catalog.=) OLD.id;

    -- grants and review participants outside the new account's line of the tree
    DELETE FROM permissions.access_grants g
     WHERE g.performer_id OPERATOR(pg_catalog.=) OLD.id
       AND NOT coalesce(permissions.accounts_related(
               coalesce((SELECT u.account_id FROM permissions.users u WHERE u.id OPERATOR(pg_catalog.=) g.user_id),
                        (SELECT t.account_id FROM permissions.teams t WHERE t.id OPERATOR(pg_catalog.=) g.team_id)),
               NEW.account_id), false);
    DELETE FROM permissions.review_participants rp
     USING permissions.reviews r, permissions.users u
     WHERE r.id OPERATOR(pg_catalog.=) rp.review_id AND r.performer_id OPERATOR(pg_catalog.=) OLD.id
       AND u.id OPERATOR(pg_catalog.=) rp.user_id
       AND NOT permissions.accounts_related(u.account_id, NEW.account_id);

    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.performers_prepare_transfer() IS
'Internal row trigger on performers, after the transfer rule: before a performer changes account, removes its group memberships and tag assignments (libraries of the old account), and its grants and review participants outside the new account''s line of the tree. Everything else follows through ON UPDATE CASCADE.';

CREATE FUNCTION permissions.performers_finish_transfer()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    lib record;
    replacement bigint;
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) 'permissions.performers'::pg_catalog.regclass THEN
        RAISE EXCEPTION USING ERRCODE = 'triggered_action_exception',
            MESSAGE = 'permissions.performers_finish_transfer() is a trigger of permissions.performers only';
    END IF;
    -- the charts and journals have followed (the foreign keys' cascades fire
    -- first); they keep their pinpoint and journal type, as a copy in the new
    -- account's library (one of the same name when it has one)
    FOR lib IN SELECT DISTINCT p.id, p.name, p.measurement_type, p.goal, p.goal_direction
               FROM permissions.charts c JOIN permissions.pinpoints p ON p.id OPERATOR(pg_catalog.=) c.pinpoint_id
              WHERE c.performer_id OPERATOR(pg_catalog.=) OLD.id
                AND p.account_id OPERATOR(pg_catalog.<>) NEW.account_id
    LOOP
        SELECT p.id INTO replacement FROM permissions.pinpoints p
         WHERE p.account_id OPERATOR(pg_catalog.=) NEW.account_id AND p.name OPERATOR(pg_catalog.=) lib.name;
        IF NOT FOUND THEN
            INSERT INTO permissions.pinpoints (account_id, name, measurement_type, goal, goal_direction, created_by)
            VALUES (NEW.account_id, lib.name, lib.measurement_type, lib.goal, lib.goal_direction, permissions.current_user_id())
            RETURNING id INTO replacement;
        END IF;
        UPDATE permissions.charts c SET pinpoint_id = replacement
         WHERE c.performer_id OPERATOR(pg_catalog.=) OLD.id AND c.pinpoint_id OPERATOR(pg_catalog.=) lib.id;
    END LOOP;
    FOR lib IN SELECT DISTINCT t.id, t.name
               FROM permissions.journals j JOIN permissions.journal_types t ON t.id OPERATOR(pg_catalog.=) j.journal_type_id
              WHERE j.performer_id OPERATOR(pg_catalog.=) OLD.id
                AND t.account_id OPERATOR(pg_catalog.<>) NEW.account_id
    LOOP
        SELECT t.id INTO replacement FROM permissions.journal_types t
         WHERE t.account_id OPERATOR(pg_catalog.=) NEW.account_id AND t.name OPERATOR(pg_catalog.=) lib.name;
        IF NOT FOUND THEN
            INSERT INTO permissions.journal_types (account_id, name, created_by)
            VALUES (NEW.account_id, lib.name, permissions.current_user_id())
            RETURNING id INTO replacement;
        END IF;
        UPDATE permissions.journals j SET journal_type_id = replacement
         WHERE j.performer_id OPERATOR(pg_catalog.=) OLD.id AND j.journal_type_id OPERATOR(pg_catalog.=) lib.id;
    END LOOP;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION permissions.performers_finish_transfer() IS
'Internal row trigger on performers: after a performer changed account and its data followed, points its charts and journals at pinpoints and journal types of the new account''s library, copying those it lacks.';

CREATE TRIGGER performers_12_transfer_rules BEFORE UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_check_transfer();
COMMENT ON TRIGGER performers_12_transfer_rules ON permissions.performers IS
'transfer_performers in both accounts.';
CREATE TRIGGER performers_14_transfer_prepare BEFORE UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_prepare_transfer();
COMMENT ON TRIGGER performers_14_transfer_prepare ON permissions.performers IS
'Drops what does not belong in the new account before the data cascades.';
CREATE TRIGGER performers_85_transfer_finish AFTER UPDATE OF account_id ON permissions.performers
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id)
    EXECUTE FUNCTION permissions.performers_finish_transfer();
COMMENT ON TRIGGER performers_85_transfer_finish ON permissions.performers IS
'Moves the pinpoints and journal types the performer''s data uses into the new account''s library.';

CREATE FUNCTION permissions.transfer_performer(performer_id bigint, to_account_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE permissions.performers p SET account_id = transfer_performer.to_account_id
     WHERE p.id OPERATOR(pg_catalog.=) transfer_performer.performer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('performer %s does not exist or you cannot move it', transfer_performer.performer_id),
            HINT = 'Moving a performer needs transfer_performers in both accounts and tier1 on the performer.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.transfer_performer(bigint, bigint) IS
'Moves a performer and all its data to another account (transfer_performers in both). Group memberships and tag assignments are dropped, and so are grants and review participants outside the new account''s line of the tree.';

-- ---------------------------------------------------------------------------
-- Row-level security and privileges of the new tables
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['account_deletions', 'invitations', 'account_credits', 'credit_ledger',
                             'assessments', 'reviews', 'review_participants', 'api_credential_uses']
    LOOP
        EXECUTE format('ALTER TABLE permissions.%I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE permissions.%I FORCE ROW LEVEL SECURITY', t);
    END LOOP;

    -- written only by the extension's own functions and triggers
    FOREACH t IN ARRAY ARRAY['account_deletions:false', 'invitations:permissions.holds(''manage_users'', account_id)',
                             'account_credits:permissions.holds(''manage_credits'', account_id)',
                             'credit_ledger:permissions.holds(''manage_credits'', account_id)',
                             'api_credential_uses:EXISTS (SELECT 1 FROM permissions.api_credentials c WHERE c.id OPERATOR(pg_catalog.=) credential_id)']
    LOOP
        EXECUTE format($f$
            CREATE POLICY %1$s_select ON permissions.%1$I FOR SELECT USING (%2$s);
            CREATE POLICY %1$s_insert ON permissions.%1$I FOR INSERT WITH CHECK (false);
            CREATE POLICY %1$s_update ON permissions.%1$I FOR UPDATE USING (false) WITH CHECK (false);
            CREATE POLICY %1$s_delete ON permissions.%1$I FOR DELETE USING (false);
            COMMENT ON POLICY %1$s_select ON permissions.%1$I IS %3$L;
            COMMENT ON POLICY %1$s_insert ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
            COMMENT ON POLICY %1$s_update ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
            COMMENT ON POLICY %1$s_delete ON permissions.%1$I IS 'Written only by the extension''s own functions and triggers.';
        $f$, split_part(t, ':', 1), substr(t, strpos(t, ':') + 1),
             'Read: ' || substr(t, strpos(t, ':') + 1));
    END LOOP;
END
$$;

-- assessments: performer data; creating one is data entry (tier3 and above)
CREATE POLICY assessments_select ON permissions.assessments FOR SELECT
    USING (permissions.can_view('performer', account_id, performer_id));
CREATE POLICY assessments_insert ON permissions.assessments FOR INSERT
    WITH CHECK (permissions.can_create('measurement', account_id, performer_id));
CREATE POLICY assessments_update ON permissions.assessments FOR UPDATE
    USING (permissions.can_edit('measurement', account_id, performer_id, created_by))
    WITH CHECK (permissions.can_edit('measurement', account_id, performer_id, created_by));
CREATE POLICY assessments_delete ON permissions.assessments FOR DELETE
    USING (permissions.can_delete('measurement', account_id, performer_id, created_by));

-- reviews: manage_reviews holders (on performers they see); participants read
CREATE POLICY reviews_select ON permissions.reviews FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(id));
CREATE POLICY reviews_insert ON permissions.reviews FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
CREATE POLICY reviews_update ON permissions.reviews FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id)
                AND permissions.can_view('performer', account_id, performer_id));
CREATE POLICY reviews_delete ON permissions.reviews FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_select ON permissions.review_participants FOR SELECT
    USING (permissions.holds('manage_reviews', account_id) OR permissions.is_review_participant(review_id));
CREATE POLICY review_participants_insert ON permissions.review_participants FOR INSERT
    WITH CHECK (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_update ON permissions.review_participants FOR UPDATE
    USING (permissions.holds('manage_reviews', account_id))
    WITH CHECK (permissions.holds('manage_reviews', account_id));
CREATE POLICY review_participants_delete ON permissions.review_participants FOR DELETE
    USING (permissions.holds('manage_reviews', account_id));

COMMENT ON POLICY assessments_select ON permissions.assessments IS 'Seen like performer data: view on kind performer.';
COMMENT ON POLICY assessments_insert ON permissions.assessments IS 'Created like data entry: create on kind measurement (tier3 and above).';
COMMENT ON POLICY assessments_update ON permissions.assessments IS 'Changed like data entry: edit on kind measurement.';
COMMENT ON POLICY assessments_delete ON permissions.assessments IS 'Deleted like data entry: delete on kind measurement (tier2 and above).';
COMMENT ON POLICY reviews_select ON permissions.reviews IS 'manage_reviews in the account, or taking part in the review.';
COMMENT ON POLICY reviews_insert ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';
COMMENT ON POLICY reviews_update ON permissions.reviews IS 'manage_reviews in the account, on a performer the user can see.';
COMMENT ON POLICY reviews_delete ON permissions.reviews IS 'manage_reviews in the account.';
COMMENT ON POLICY review_participants_select ON permissions.review_participants IS 'manage_reviews in the account, or taking part in the review.';
COMMENT ON POLICY review_participants_insert ON permissions.review_participants IS 'manage_reviews in the review''s account.';
COMMENT ON POLICY review_participants_update ON permissions.review_participants IS 'manage_reviews in the review''s account.';
COMMENT ON POLICY review_participants_delete ON permissions.review_participants IS 'manage_reviews in the review''s account.';

GRANT SELECT, INSERT, UPDATE, DELETE ON
    permissions.assessments, permissions.reviews, permissions.review_participants
    TO PUBLIC;
GRANT SELECT ON permissions.account_credits, permissions.credit_ledger, permissions.api_credential_uses TO PUBLIC;
GRANT SELECT (user_id, account_id, invited_by, created_at, expires_at) ON permissions.invitations TO PUBLIC;
GRANT SELECT ON permissions.billing, permissions.credit_balances, permissions.api_credential_list TO PUBLIC;
REVOKE ALL ON permissions.account_deletions FROM PUBLIC;

REVOKE ALL ON FUNCTION
    permissions.account_path(bigint), permissions.account_subtree(bigint),
    permissions.accounts_related(bigint, bigint),
    permissions.accounts_no_cycles(), permissions.credit_ledger_apply(),
    permissions.assessments_spend_credit(), permissions.review_participants_check_rules(),
    permissions.performers_prepare_transfer(), permissions.performers_finish_transfer(),
    permissions.touch_api_credential(bigint),
    permissions.users_drop_invitation(), permissions.api_credentials_track_uses()
    FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Every policy and trigger says what it is for in \d+ and pg_description.
-- Objects commented where they are created keep their own text.
-- ---------------------------------------------------------------------------

DO $$
DECLARE
    p record;
    t record;
BEGIN
    FOR p IN
        SELECT pol.oid, pol.polname, c.relname, pol.polcmd,
               pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) AS using_expr,
               pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) AS check_expr
          FROM pg_catalog.pg_policy pol
          JOIN pg_catalog.pg_class c ON c.oid = pol.polrelid
         WHERE c.relnamespace = 'permissions'::regnamespace
           AND pg_catalog.obj_description(pol.oid, 'pg_policy') IS NULL
    LOOP
        EXECUTE format('COMMENT ON POLICY %I ON permissions.%I IS %L', p.polname, p.relname,
            format('Row-level security for %s on %s: %s',
                   CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT' WHEN 'w' THEN 'UPDATE'
                                 WHEN 'd' THEN 'DELETE' ELSE 'every command' END,
                   p.relname,
                   concat_ws('; ', 'rows where ' || p.using_expr, 'new rows where ' || p.check_expr)));
    END LOOP;

    FOR t IN
        SELECT tg.oid, tg.tgname, c.relname, tg.tgfoid::regproc AS fn
          FROM pg_catalog.pg_trigger tg
          JOIN pg_catalog.pg_class c ON c.oid = tg.tgrelid
         WHERE c.relnamespace = 'permissions'::regnamespace
           AND NOT tg.tgisinternal
           AND pg_catalog.obj_description(tg.oid, 'pg_trigger') IS NULL
    LOOP
        EXECUTE format('COMMENT ON TRIGGER %I ON permissions.%I IS %L', t.tgname, t.relname,
            coalesce(pg_catalog.obj_description(t.fn::oid, 'pg_proc'),
                     format('Calls %s.', t.fn)));
    END LOOP;
END
$$;
