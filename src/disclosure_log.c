/*
 * disclosure_log.c
 *		Writes the records of the accounting of disclosures.
 *
 * One row holds what one statement disclosed of one table of one account
 * to one user: the performers, and the rows of each (the view
 * permissions.disclosures shows one row per performer).  A statement that
 * reads a hundred performers' data writes one row, not a hundred: the cost
 * of the accounting is per statement, not per performer.
 *
 * A row must outlive whatever happens to the transaction that read the
 * data: a read is a disclosure even when the transaction rolls back.  So
 * each row is inserted frozen (HEAP_INSERT_FROZEN: its xmin counts as
 * committed for every snapshot, whether or not the transaction commits, and
 * the WAL record carries the frozen bits, so replay and standbys see the
 * same), its index entries are inserted, and the WAL is flushed up to the
 * record before the statement returns: a crash after the statement ended
 * finds the record on disk.  Concurrent flushes are grouped by XLogFlush
 * (one fsync covers every backend waiting for an earlier position).
 *
 * A read-only transaction writes too: the insert assigns it a transaction
 * id (nothing else in it needs one).  When the records are the only WAL the
 * transaction wrote, its commit need not wait for another flush (the
 * records are already on disk and do not depend on the commit), so the
 * backend's notion of unflushed WAL is reset after the flush, exactly as a
 * commit resets it; a transaction that wrote anything else keeps its
 * synchronous commit.
 *
 * A hot standby writes nothing: each record becomes one line of the server
 * log (LOG, never sent to the client), as JSON, for the log collector.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/tuptable.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "catalog.h"
#include "disclosure_log.h"
#include "pg_compat.h"

static const char *const kind_names[KIND_COUNT] = {
	"performer", "chart", "measurement", "condition", "note", "tag", "journal", "access"
};

/* The schema-qualified name of a table, or its OID when it is gone. */
static char *
relation_label(Oid relid)
{
	char	   *name = get_rel_name(relid);
	char	   *nsp = name ? get_namespace_name(get_rel_namespace(relid)) : NULL;

	if (name == NULL || nsp == NULL)
		return psprintf("relation %u", relid);
	return quote_qualified_identifier(nsp, name);
}

/* How the session acted as the user: "role", "API credential 12", "token key 3". */
static char *
via_label(const DisclosureRecord *r)
{
	switch (r->source)
	{
		case IDENTITY_CREDENTIAL:
			return psprintf("API credential %lld", (long long) r->ref_id);
		case IDENTITY_TOKEN:
			return psprintf("token key %lld", (long long) r->ref_id);
		default:
			return pstrdup("role");
	}
}

/* A role's name, or NULL. */
static char *
role_label(Oid role)
{
	return OidIsValid(role) ? GetUserNameFromId(role, true) : NULL;
}

/* Whether two records belong to one row (they differ at most in the performer). */
static bool
same_row(const DisclosureRecord *a, const DisclosureRecord *b)
{
	return a->at == b->at && a->fingerprint == b->fingerprint && a->account_id == b->account_id &&
		a->relid == b->relid && a->kind == b->kind && a->user_id == b->user_id &&
		a->role == b->role && a->source == b->source && a->ref_id == b->ref_id;
}

/* Orders records by row, then performer: the order they are written in. */
int
disclosure_record_cmp(const void *a, const void *b)
{
	const DisclosureRecord *x = (const DisclosureRecord *) a;
	const DisclosureRecord *y = (const DisclosureRecord *) b;

#define CMP(f) if (x->f != y->f) return x->f < y->f ? -1 : 1
	CMP(at);
	CMP(fingerprint);
	CMP(account_id);
	CMP(user_id);
	CMP(role);
	CMP(relid);
	CMP(kind);
	CMP(source);
	CMP(ref_id);
	CMP(performer_id);
#undef CMP
	return 0;
}

/* An int8[] of a field of consecutive records. */
static Datum
int8_array(const DisclosureRecord *records, int n, bool performers)
{
	Datum	   *elems = palloc(sizeof(Datum) * n);
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = Int64GetDatum(performers ? records[i].performer_id : records[i].rows);
	return PointerGetDatum(construct_array(elems, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL,
										   TYPALIGN_DOUBLE));
}

/* The identity sequence of disclosure_log, looked up once per table. */
static Oid
id_sequence(Relation rel, AttrNumber attnum)
{
	Oid			relid = RelationGetRelid(rel);

	static Oid	cached_rel = InvalidOid;
	static Oid	cached_seq = InvalidOid;

	if (relid != cached_rel || !OidIsValid(cached_seq) ||
		get_rel_relkind(cached_seq) != RELKIND_SEQUENCE)
	{
		cached_seq = IDENTITY_SEQUENCE(rel, attnum);
		cached_rel = relid;
	}
	return cached_seq;
}

/* The next id of the table's identity column, also in a read-only transaction. */
static int64
next_id(Oid seqid)
{
	bool		read_only = XactReadOnly;
	int64		id;

	/* nextval() refuses read-only transactions; this write is deliberate */
	XactReadOnly = false;
	PG_TRY();
	{
		id = nextval_internal(seqid, false);
	}
	PG_FINALLY();
	{
		XactReadOnly = read_only;
	}
	PG_END_TRY();
	return id;
}

/*
 * Inserts the records (sorted by disclosure_record_cmp) into
 * permissions.disclosure_log, one row per statement, user, table and
 * account, frozen, with their index entries, and flushes the WAL up to them.
 */
void
disclosure_log_write(const DisclosureRecord *records, int n)
{
	Oid			relid = catalog_relid(EXT_DISCLOSURE_LOG);
	bool		only_ours = XactLastRecEnd == 0;
	Relation	rel;
	TupleDesc	desc;
	List	   *indexoids;
	Relation   *indexes;
	IndexInfo **infos;
	int			nindexes;
	TupleTableSlot *slot;
	Oid			seqid;
	Datum	   *values;
	bool	   *nulls;
	char	   *login = GetUserNameFromId(GetSessionUserId(), false);
	ListCell   *lc;
	int			i,
				j,
				next;

#define COL(name) (catalog_attnum(EXT_DISCLOSURE_LOG, name) - 1)
	if (n == 0)
		return;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	seqid = id_sequence(rel, COL("id") + 1);
	indexoids = RelationGetIndexList(rel);
	nindexes = list_length(indexoids);
	indexes = palloc(sizeof(Relation) * Max(nindexes, 1));
	infos = palloc(sizeof(IndexInfo *) * Max(nindexes, 1));
	i = 0;
	foreach(lc, indexoids)
	{
		indexes[i] = index_open(lfirst_oid(lc), RowExclusiveLock);
		infos[i] = BuildIndexInfo(indexes[i]);
		i++;
	}
	slot = MakeSingleTupleTableSlot(desc, &TTSOpsHeapTuple);
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);

	for (i = 0; i < n; i = next)
	{
		const DisclosureRecord *r = &records[i];
		char	   *acting = role_label(r->role);
		HeapTuple	tuple;
		int64		total = 0;

		for (next = i; next < n && same_row(r, &records[next]); next++)
			total += records[next].rows;
		memset(nulls, false, sizeof(bool) * desc->natts);
		values[COL("id")] = Int64GetDatum(next_id(seqid));
		values[COL("at")] = TimestampTzGetDatum(r->at);
		values[COL("account_id")] = Int64GetDatum(r->account_id);
		values[COL("performer_ids")] = int8_array(r, next - i, true);
		values[COL("row_counts")] = int8_array(r, next - i, false);
		values[COL("row_count")] = Int64GetDatum(total);
		values[COL("kind")] = CStringGetTextDatum(kind_names[r->kind]);
		values[COL("relation")] = CStringGetTextDatum(relation_label(r->relid));
		values[COL("user_id")] = Int64GetDatum(r->user_id);
		values[COL("login_role")] = DirectFunctionCall1(namein, CStringGetDatum(login));
		if (acting)
			values[COL("acting_role")] = DirectFunctionCall1(namein, CStringGetDatum(acting));
		else
			nulls[COL("acting_role")] = true;
		values[COL("via")] = CStringGetTextDatum(via_label(r));
		values[COL("fingerprint")] = Int64GetDatum(r->fingerprint);

		tuple = heap_form_tuple(desc, values, nulls);
		heap_insert(rel, tuple, GetCurrentCommandId(true), HEAP_INSERT_FROZEN, NULL);
		ExecStoreHeapTuple(tuple, slot, false);
		for (j = 0; j < nindexes; j++)
		{
			Datum		ivalues[INDEX_MAX_KEYS];
			bool		inulls[INDEX_MAX_KEYS];

			FormIndexDatum(infos[j], slot, NULL, ivalues, inulls);
			index_insert(indexes[j], ivalues, inulls, &tuple->t_self, rel,
						 indexes[j]->rd_index->indisunique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO,
						 false, infos[j]);
		}
		ExecClearTuple(slot);
		heap_freetuple(tuple);
	}
#undef COL

	ExecDropSingleTupleTableSlot(slot);
	for (j = 0; j < nindexes; j++)
		index_close(indexes[j], RowExclusiveLock);
	/* the rows do not depend on this transaction: no lock needs to outlive them */
	table_close(rel, RowExclusiveLock);

	XLogFlush(XactLastRecEnd);
	if (only_ours)
		XactLastRecEnd = 0;
}

/*
 * Writes the records (sorted by disclosure_record_cmp) as lines of the
 * server log (LOG, not sent to the client), one per row disclosure_log would
 * hold: on a standby, where nothing can be written, and for the records of a
 * failed statement until they reach the table.
 */
void
disclosure_log_server(const DisclosureRecord *records, int n, const char *recorded)
{
	char	   *login = GetUserNameFromId(GetSessionUserId(), true);
	int			i,
				j,
				next;

	for (i = 0; i < n; i = next)
	{
		const DisclosureRecord *r = &records[i];
		char	   *acting = role_label(r->role);
		StringInfoData s;

		initStringInfo(&s);
		appendStringInfo(&s, "{\"at\": \"%s\", \"account_id\": %lld, \"performer_ids\": [",
						 timestamptz_to_str(r->at), (long long) r->account_id);
		for (next = i; next < n && same_row(r, &records[next]); next++)
			appendStringInfo(&s, "%s%lld", next > i ? ", " : "", (long long) records[next].performer_id);
		appendStringInfoString(&s, "], \"row_counts\": [");
		for (j = i; j < next; j++)
			appendStringInfo(&s, "%s%lld", j > i ? ", " : "", (long long) records[j].rows);
		appendStringInfo(&s, "], \"kind\": \"%s\", \"relation\": ", kind_names[r->kind]);
		escape_json(&s, relation_label(r->relid));
		appendStringInfo(&s, ", \"user_id\": %lld, \"login_role\": ", (long long) r->user_id);
		if (login)
			escape_json(&s, login);
		else
			appendStringInfoString(&s, "null");
		appendStringInfoString(&s, ", \"acting_role\": ");
		if (acting)
			escape_json(&s, acting);
		else
			appendStringInfoString(&s, "null");
		appendStringInfoString(&s, ", \"via\": ");
		escape_json(&s, via_label(r));
		appendStringInfo(&s, ", \"fingerprint\": %lld, \"recorded\": \"%s\"}",
						 (long long) r->fingerprint, recorded);
		ereport(LOG_SERVER_ONLY,
				(errmsg("permissions disclosure: %s", s.data),
				 errhidestmt(true),
				 errhidecontext(true)));
		pfree(s.data);
	}
}
