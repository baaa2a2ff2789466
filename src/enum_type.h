/*
 * enum_type.h
 *		One implementation of the extension's small enum-like types (tier,
 *		role, user_type): a fixed set of names stored as a pass-by-value
 *		int32 and ordered by that value.
 *
 * Each type describes itself with an EnumTypeDesc and gets its
 * SQL-callable functions from ENUM_TYPE_SQL_FUNCTIONS, so the types share
 * their parsing, messages, binary format and hashing.
 *
 * The comparison and hash functions work on a plain int32 and cannot fail,
 * so the install script declares them LEAKPROOF; that lets the planner push
 * them below row-level security quals and use indexes on these columns.
 * The hash is int4's, so hash indexes agree with hashint4 for the values.
 */
#ifndef PERMISSIONS_ENUM_TYPE_H
#define PERMISSIONS_ENUM_TYPE_H

#include "fmgr.h"
#include "common/hashfn.h"

/* Another spelling accepted on input, with the value it stands for. */
typedef struct EnumTypeAlias
{
	const char *name;			/* lower case */
	int32		value;
} EnumTypeAlias;

/* Everything that differs between two enum-like types. */
typedef struct EnumTypeDesc
{
	const char *type_name;		/* SQL type name, for messages */
	const char *const *names;	/* canonical lower-case names, indexed by
								 * value - min_value */
	int32		min_value;		/* smallest valid value */
	int32		max_value;		/* largest valid value */
	const EnumTypeAlias *aliases;	/* other accepted spellings, or NULL */
	int			num_aliases;
	const char *input_hint;		/* errhint when text input is rejected */
	const char *recv_detail;	/* errdetail when binary input is rejected */
} EnumTypeDesc;

/* Is value one of the type's values? */
#define EnumTypeIsValid(desc, v) \
	((v) >= (desc)->min_value && (v) <= (desc)->max_value)

extern const char *enum_type_name(const EnumTypeDesc *desc, int32 value);
extern bool enum_type_parse(const EnumTypeDesc *desc, const char *str,
							int32 *result);
extern Datum enum_type_in(const EnumTypeDesc *desc, FunctionCallInfo fcinfo);
extern Datum enum_type_out(const EnumTypeDesc *desc, FunctionCallInfo fcinfo);
extern Datum enum_type_recv(const EnumTypeDesc *desc, FunctionCallInfo fcinfo);
extern Datum enum_type_send(const EnumTypeDesc *desc, FunctionCallInfo fcinfo);

/* = operator; inline because the planner and executor call it per row. */
static inline Datum
enum_type_eq(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) == PG_GETARG_INT32(1));
}

/* <> operator. */
static inline Datum
enum_type_ne(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) != PG_GETARG_INT32(1));
}

/* < operator: declaration order of the values. */
static inline Datum
enum_type_lt(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) < PG_GETARG_INT32(1));
}

/* <= operator. */
static inline Datum
enum_type_le(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) <= PG_GETARG_INT32(1));
}

/* > operator. */
static inline Datum
enum_type_gt(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) > PG_GETARG_INT32(1));
}

/* >= operator. */
static inline Datum
enum_type_ge(FunctionCallInfo fcinfo)
{
	PG_RETURN_BOOL(PG_GETARG_INT32(0) >= PG_GETARG_INT32(1));
}

/* btree support function 1: three-way comparison. */
static inline Datum
enum_type_cmp(FunctionCallInfo fcinfo)
{
	int32		a = PG_GETARG_INT32(0);
	int32		b = PG_GETARG_INT32(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

/* hash support function 1: same hash as int4, since the value is an int4. */
static inline Datum
enum_type_hash(FunctionCallInfo fcinfo)
{
	return hash_uint32((uint32) PG_GETARG_INT32(0));
}

/* hash support function 2: seeded 64-bit hash, agreeing with enum_type_hash for seed 0. */
static inline Datum
enum_type_hash_extended(FunctionCallInfo fcinfo)
{
	return hash_uint32_extended((uint32) PG_GETARG_INT32(0),
								(uint64) PG_GETARG_INT64(1));
}

/* Define one V1 function fn that returns call (a helper of the macro below). */
#define ENUM_TYPE_FUNCTION(fn, call) \
	PG_FUNCTION_INFO_V1(fn); \
	Datum fn(PG_FUNCTION_ARGS) { return (call); }

/*
 * Define the SQL-callable functions of an enum-like type: prefix_in,
 * prefix_out, prefix_recv, prefix_send, prefix_eq, prefix_ne, prefix_lt,
 * prefix_le, prefix_gt, prefix_ge, prefix_cmp, prefix_hash and
 * prefix_hash_extended, the C symbols the install script names.  Each one
 * just calls the enum_type_* function of the same suffix; desc is the
 * type's EnumTypeDesc.  Use it at file level, followed by a semicolon.
 */
#define ENUM_TYPE_SQL_FUNCTIONS(prefix, desc) \
	/* text input: a name or alias, case-insensitive, whitespace-trimmed */ \
	ENUM_TYPE_FUNCTION(prefix##_in, enum_type_in(&(desc), fcinfo)) \
	/* text output: the canonical name */ \
	ENUM_TYPE_FUNCTION(prefix##_out, enum_type_out(&(desc), fcinfo)) \
	/* binary input: a network-order int4 that must be a valid value */ \
	ENUM_TYPE_FUNCTION(prefix##_recv, enum_type_recv(&(desc), fcinfo)) \
	/* binary output: the value as a network-order int4 */ \
	ENUM_TYPE_FUNCTION(prefix##_send, enum_type_send(&(desc), fcinfo)) \
	/* = operator */ \
	ENUM_TYPE_FUNCTION(prefix##_eq, enum_type_eq(fcinfo)) \
	/* <> operator */ \
	ENUM_TYPE_FUNCTION(prefix##_ne, enum_type_ne(fcinfo)) \
	/* < operator */ \
	ENUM_TYPE_FUNCTION(prefix##_lt, enum_type_lt(fcinfo)) \
	/* <= operator */ \
	ENUM_TYPE_FUNCTION(prefix##_le, enum_type_le(fcinfo)) \
	/* > operator */ \
	ENUM_TYPE_FUNCTION(prefix##_gt, enum_type_gt(fcinfo)) \
	/* >= operator */ \
	ENUM_TYPE_FUNCTION(prefix##_ge, enum_type_ge(fcinfo)) \
	/* btree support function 1 */ \
	ENUM_TYPE_FUNCTION(prefix##_cmp, enum_type_cmp(fcinfo)) \
	/* hash support function 1 */ \
	ENUM_TYPE_FUNCTION(prefix##_hash, enum_type_hash(fcinfo)) \
	/* hash support function 2 */ \
	ENUM_TYPE_FUNCTION(prefix##_hash_extended, enum_type_hash_extended(fcinfo)) \
	extern int	no_such_variable

#endif							/* PERMISSIONS_ENUM_TYPE_H */
