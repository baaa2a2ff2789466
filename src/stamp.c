/*
 * stamp.c
 *		The columns of a row that the database, not the client, decides.
 *
 * permissions.stamp_row() is a BEFORE INSERT OR UPDATE row trigger.  Every
 * path that writes a row fires it (INSERT, INSERT ... SELECT, ON CONFLICT,
 * MERGE, COPY, rules, views and their defaults, writable CTEs), so what it
 * enforces holds whatever the statement and whatever table privileges a DBA
 * granted:
 *
 * - ids: on a table of the extension with an identity column, a new row's
 *   id is the value the column's default has just drawn from its sequence
 *   in this session (currval(), and never the same value twice), and no
 *   row's id ever changes.  A client that could choose ids could take the
 *   next id of another tenant's table, or the id of a deleted account.
 * - created_by (with the trigger argument 'created_by'): the inserting
 *   user, and it never changes, so the "own" cells of the tier matrix
 *   cannot be forged.
 * - the row's account and performer (with an argument 'parent:<table>:
 *   <column>'): a new row that leaves account_id or performer_id out takes
 *   them from its parent row (a measurement from its chart, a chart from
 *   its performer), read with the inserting user's own visibility, before
 *   row-level security checks the row; a parent the user cannot see is an
 *   error that says so, the same for a hidden and a missing parent.
 *
 * Superusers (DBAs, restores, and the extension's own SECURITY DEFINER
 * functions after they checked their caller) are not held to either.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "access_cache.h"
#include "pg_compat.h"
#include "stamp.h"

PG_FUNCTION_INFO_V1(stamp_row);

/* What the trigger needs to know of a table, found once per backend. */
typedef struct StampInfo
{
	Oid			relid;			/* hash key */
	bool		valid;
	AttrNumber	id_att;			/* identity column of an extension table, or 0 */
	Oid			id_seq;			/* its sequence */
	AttrNumber	creator_att;	/* created_by, or 0 */
	bool		movable;		/* a role may move the sequence (UPDATE) ... */
	NameData	movable_by;		/* ... that one */
} StampInfo;

/* The last id each sequence's default handed out and a row took. */
typedef struct TakenId
{
	Oid			seq;			/* hash key */
	int64		id;
} TakenId;

static HTAB *infos = NULL;
static HTAB *taken = NULL;

/* Forgets what was found about a table whose definition changed. */
static void
stamp_relcache_callback(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS st;
	StampInfo  *info;

	if (infos == NULL)
		return;
	hash_seq_init(&st, infos);
	while ((info = hash_seq_search(&st)) != NULL)
		if (relid == InvalidOid || info->relid == relid || info->id_seq == relid)
			info->valid = false;
}

/* Creates the tables and registers the invalidation callback; called from _PG_init. */
void
stamp_init(void)
{
	HASHCTL		ctl;
	MemoryContext cxt = AllocSetContextCreate(TopMemoryContext,
											  "permissions stamp_row",
											  ALLOCSET_SMALL_SIZES);

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(StampInfo);
	ctl.hcxt = cxt;
	infos = hash_create("permissions stamp_row tables", 64, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(TakenId);
	taken = hash_create("permissions stamp_row ids", 64, &ctl,
						HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	CacheRegisterRelcacheCallback(stamp_relcache_callback, (Datum) 0);
}

/*
 * Whether a role other than a superuser holds UPDATE on a sequence (and so
 * may setval() it, choosing the ids its default draws), and which.  Granting
 * it is refused (utility.c); this catches a grant made before, or behind,
 * that.
 */
static bool
sequence_movable_by(Oid seq, NameData *who)
{
	HeapTuple	tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(seq));
	bool		found = false;
	bool		isnull;
	Datum		d;

	if (!HeapTupleIsValid(tuple))
		return false;
	d = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_relacl, &isnull);
	if (!isnull)
	{
		Acl		   *acl = DatumGetAclP(d);
		AclItem    *items = ACL_DAT(acl);
		int			i;

		for (i = 0; i < ACL_NUM(acl) && !found; i++)
			if ((ACLITEM_GET_PRIVS(items[i]) & ACL_UPDATE) &&
				(items[i].ai_grantee == ACL_ID_PUBLIC || !superuser_arg(items[i].ai_grantee)))
			{
				namestrcpy(who, items[i].ai_grantee == ACL_ID_PUBLIC ? "PUBLIC" :
						   GetUserNameFromId(items[i].ai_grantee, false));
				found = true;
			}
	}
	ReleaseSysCache(tuple);
	return found;
}

/* The table's identity column and created_by, looked up once. */
static StampInfo *
stamp_info(Relation rel, bool stamp_creator)
{
	Oid			relid = RelationGetRelid(rel);
	bool		found;
	StampInfo  *info = hash_search(infos, &relid, HASH_ENTER, &found);

	if (!found || !info->valid)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		Oid			schema = get_namespace_oid("permissions", true);
		int			i;

		info->id_att = 0;
		info->id_seq = InvalidOid;
		info->creator_att = 0;
		info->movable = false;
		for (i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (att->attisdropped)
				continue;
			if (att->attidentity != '\0' && OidIsValid(schema) &&
				RelationGetNamespace(rel) == schema)
			{
				info->id_att = att->attnum;
				info->id_seq = IDENTITY_SEQUENCE(rel, att->attnum);
				info->movable = sequence_movable_by(info->id_seq, &info->movable_by);
			}
			if (strcmp(NameStr(att->attname), "created_by") == 0 && att->atttypid == INT8OID)
				info->creator_att = att->attnum;
		}
		info->valid = true;
	}
	if (stamp_creator && info->creator_att == 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("table \"%s\" has no column created_by bigint", RelationGetRelationName(rel)),
				 errhint("permissions.stamp_row('created_by') stamps that column; attach it only to tables that have it.")));
	return info;
}

/* The value the session last drew from a sequence, or false when it drew none. */
static bool
session_currval(Oid seq, int64 *value)
{
	MemoryContext cxt = CurrentMemoryContext;
	Oid			save_userid;
	int			save_sec_context;
	volatile bool drawn = true;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		*value = DatumGetInt64(DirectFunctionCall1(currval_oid, ObjectIdGetDatum(seq)));
	}
	PG_CATCH();
	{
		/* "not yet defined in this session": the caller raises its own error at once */
		MemoryContextSwitchTo(cxt);
		FlushErrorState();
		drawn = false;
	}
	PG_END_TRY();
	SetUserIdAndSecContext(save_userid, save_sec_context);
	return drawn;
}

/* Raises the error of an id a client chose. */
static void
refuse_chosen_id(Relation rel, bool update)
{
	if (update)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("the id of a row of \"permissions.%s\" cannot change",
						RelationGetRelationName(rel)),
				 errdetail("Rows refer to each other by id; a changed id could take the id of another tenant's row, or of a deleted account."),
				 errhint("Insert a new row instead; its id is chosen by the database.")));
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("the id of a new row of \"permissions.%s\" is chosen by the database",
					RelationGetRelationName(rel)),
			 errdetail("An id given by a client (in any statement, or as the default of a view) could take the next id of another tenant's row, or the id of a deleted account."),
			 errhint("Leave id out of the statement; RETURNING id tells the id the row got.")));
}

/* Records the id a new row took, so that no later row of the session gives it again. */
static void
note_taken_id(Relation rel, StampInfo *info, HeapTuple tuple)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, info->id_att, RelationGetDescr(rel), &isnull);
	TakenId    *t;

	if (isnull)
		return;
	t = hash_search(taken, &info->id_seq, HASH_ENTER, NULL);
	t->id = DatumGetInt64(d);
}

/*
 * Whether a new row's id is the one its default just drew in this session:
 * the sequence's currval, not yet taken by an earlier row.  (A default
 * always draws a new value; an explicit id never moves currval.)
 */
static void
check_new_id(Relation rel, StampInfo *info, HeapTuple tuple)
{
	bool		isnull;
	Datum		d = heap_getattr(tuple, info->id_att, RelationGetDescr(rel), &isnull);
	int64		id;
	int64		drawn;
	TakenId    *t;
	bool		found;

	if (isnull)
		return;					/* the NOT NULL constraint refuses it */
	if (info->movable)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("role \"%s\" may move the sequence of \"permissions.%s\": its new rows are refused",
						NameStr(info->movable_by), RelationGetRelationName(rel)),
				 errdetail("With UPDATE on %s, setval() chooses the ids the table's default draws: the next ids of another tenant's rows, or the id of a deleted account.",
						   get_rel_name(info->id_seq)),
				 errhint("A DBA revokes it: REVOKE UPDATE ON SEQUENCE permissions.%s FROM %s;",
						 get_rel_name(info->id_seq), NameStr(info->movable_by))));
	id = DatumGetInt64(d);
	if (!session_currval(info->id_seq, &drawn) || drawn != id)
		refuse_chosen_id(rel, false);
	t = hash_search(taken, &info->id_seq, HASH_ENTER, &found);
	if (found && t->id == id)
		refuse_chosen_id(rel, false);
	t->id = id;
}

/* Reads one int8 column of a row, or false when it is NULL or absent. */
static bool
column_int8(HeapTuple tuple, TupleDesc desc, const char *name, int64 *value, AttrNumber *attnum)
{
	bool		isnull;
	Datum		d;

	*attnum = SPI_fnumber(desc, name);
	if (*attnum <= 0)
		return false;
	d = heap_getattr(tuple, *attnum, desc, &isnull);
	if (isnull)
		return false;
	*value = DatumGetInt64(d);
	return true;
}

/*
 * Fills a new row's account_id (and performer_id, when the parent has one)
 * from its parent row, when the row leaves them out.  The parent is read as
 * the inserting user sees it (row-level security applies).
 */
static HeapTuple
fill_from_parent(Relation rel, HeapTuple tuple, const char *spec)
{
	TupleDesc	desc = RelationGetDescr(rel);
	char	   *copy = pstrdup(spec);
	char	   *parent = copy;
	char	   *column = strchr(copy, ':');
	AttrNumber	account_att,
				performer_att,
				ref_att;
	int64		account,
				performer,
				ref;
	bool		has_account = column_int8(tuple, desc, "account_id", &account, &account_att);
	bool		has_performer = column_int8(tuple, desc, "performer_id", &performer, &performer_att);
	bool		parent_is_performer;
	StringInfoData sql;
	Oid			argtype = INT8OID;
	Datum		arg;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	int			cols[2];
	int			n = 0;

	if (column == NULL || account_att <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("permissions.stamp_row() argument \"%s\" is not parent:<table>:<column>", spec)));
	*column++ = '\0';
	parent_is_performer = strcmp(parent, "performers") == 0;
	if (has_account && (has_performer || performer_att <= 0 || parent_is_performer))
		return tuple;			/* nothing left out */
	if (!column_int8(tuple, desc, column, &ref, &ref_att))
		return tuple;			/* no parent named: NOT NULL says what is missing */

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT p.account_id, %s FROM permissions.%s p WHERE p.id OPERATOR(pg_catalog.=) $1",
					 parent_is_performer ? "p.id" : "p.performer_id", quote_identifier(parent));
	arg = Int64GetDatum(ref);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_with_args(sql.data, 1, &argtype, &arg, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "could not read the parent of a new row of \"%s\"", RelationGetRelationName(rel));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s " INT64_FORMAT " does not exist or is not visible to you",
						parent_is_performer ? "performer" : "chart", ref),
				 errdetail("A new row of %s without account_id%s takes them from its %s, which does not exist or which you cannot see.",
						   RelationGetRelationName(rel), performer_att > 0 ? " or performer_id" : "",
						   parent_is_performer ? "performer" : "chart"),
				 errhint("Check %s; you see the %ss your tier on their performer lets you see.", column,
						 parent_is_performer ? "performer" : "chart")));
	{
		bool		isnull;

		values[0] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		values[1] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
	}
	SPI_finish();
	if (!has_account)
	{
		cols[n] = account_att;
		values[n] = values[0];
		nulls[n] = false;
		n++;
	}
	if (!has_performer && performer_att > 0)
	{
		cols[n] = performer_att;
		values[n] = values[1];
		nulls[n] = false;
		n++;
	}
	return n > 0 ? heap_modify_tuple_by_cols(tuple, desc, n, cols, values, nulls) : tuple;
}

/*
 * permissions.stamp_row([ 'created_by' ] [, 'parent:<table>:<column>' ])
 * trigger, BEFORE INSERT OR UPDATE FOR EACH ROW
 *		Ids of the extension's tables come from their sequences and never
 *		change; with 'created_by', that column is the inserting user and
 *		never changes; with a parent, a new row that leaves its account and
 *		performer out takes them from its parent.  Superusers are not held
 *		to the first two.
 */
Datum
stamp_row(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	StampInfo  *info;
	bool		stamp_creator;
	const char *parent = NULL;
	bool		update;
	HeapTuple	newtup;
	int			i;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("permissions.stamp_row() must be a BEFORE INSERT OR UPDATE row trigger")));
	rel = trigdata->tg_relation;
	update = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event);
	newtup = update ? trigdata->tg_newtuple : trigdata->tg_trigtuple;
	stamp_creator = false;
	for (i = 0; i < trigdata->tg_trigger->tgnargs; i++)
	{
		const char *argument = trigdata->tg_trigger->tgargs[i];

		if (strcmp(argument, "created_by") == 0)
			stamp_creator = true;
		else if (strncmp(argument, "parent:", 7) == 0)
			parent = argument + 7;
		else
			ereport(ERROR,
					(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
					 errmsg("unknown argument \"%s\" of permissions.stamp_row()", argument)));
	}
	info = stamp_info(rel, stamp_creator);
	if (superuser())
	{
		if (parent != NULL && !update)
			newtup = fill_from_parent(rel, newtup, parent);
		/* what a DBA's row took is taken: nobody else may give that id again */
		if (!update && info->id_att != 0)
			note_taken_id(rel, info, newtup);
		return PointerGetDatum(newtup);
	}

	if (info->id_att != 0)
	{
		if (!update)
			check_new_id(rel, info, newtup);
		else
		{
			TupleDesc	desc = RelationGetDescr(rel);
			bool		oldnull,
						newnull;
			Datum		o = heap_getattr(trigdata->tg_trigtuple, info->id_att, desc, &oldnull);
			Datum		n = heap_getattr(newtup, info->id_att, desc, &newnull);

			if (oldnull != newnull || (!oldnull && DatumGetInt64(o) != DatumGetInt64(n)))
				refuse_chosen_id(rel, true);
		}
	}
	if (parent != NULL && !update)
		newtup = fill_from_parent(rel, newtup, parent);

	if (stamp_creator)
	{
		TupleDesc	desc = RelationGetDescr(rel);
		Datum		value;
		bool		isnull;
		int			attnum = info->creator_att;

		if (update)
			value = heap_getattr(trigdata->tg_trigtuple, attnum, desc, &isnull);
		else
		{
			AccessCache *c = access_cache_current();

			isnull = !c->has_user;
			value = isnull ? (Datum) 0 : Int64GetDatum(c->user.id);
		}
		newtup = heap_modify_tuple_by_cols(newtup, desc, 1, &attnum, &value, &isnull);
	}
	return PointerGetDatum(newtup);
}
