
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
