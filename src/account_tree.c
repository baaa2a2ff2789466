/*
 * account_tree.c
 *		Walks of the account tree under a snapshot, both bounded by one
 *		depth: up from an account to its tenant (the top-level account the
 *		epochs are kept for), and down from a manager's account over every
 *		account below it.
 */
#include "postgres.h"

#include "utils/fmgroids.h"

#include "account_tree.h"
#include "catalog.h"
#include "growable.h"

/* Reads parent_id of an accounts row. */
typedef struct ParentRow
{
	bool		found;
	bool		has_parent;
	int64		parent;
} ParentRow;

/* Catalog scan callback: the parent of an account. */
static void
parent_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	ParentRow  *p = (ParentRow *) arg;

	p->found = true;
	p->has_parent = catalog_int8(tuple, desc, EXT_ACCOUNTS, "parent_id", &p->parent);
}

/*
 * The tenant (top-level account) of an account under a snapshot, or -1
 * when the account, or one above it, is not visible.
 */
int64
account_tree_tenant(int64 account_id, Snapshot snapshot)
{
	int64		id = account_id;
	int			depth;

	for (depth = 0; depth < ACCOUNT_TREE_MAX_DEPTH; depth++)
	{
		ParentRow	p = {false, false, 0};

		catalog_scan(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PKEY,
					 catalog_attnum(EXT_ACCOUNTS, "id"), Int64GetDatum(id),
					 F_INT8EQ, snapshot, parent_callback, &p);
		if (!p.found)
			return -1;
		if (!p.has_parent)
			return id;
		id = p.parent;
	}
	return -1;
}

/* Catalog scan callback: collects the id of each child account. */
static void
child_callback(HeapTuple tuple, TupleDesc desc, void *arg)
{
	int64		id;

	if (catalog_int8(tuple, desc, EXT_ACCOUNTS, "id", &id))
		idbuf_add((IdBuffer *) arg, id);
}

/*
 * Calls add(set, id) for root and every account below it, level by level,
 * each once: an account already in set is not walked again.
 */
void
account_tree_subtree(HTAB *set, int64 root, Snapshot snapshot,
					 void (*add) (HTAB *set, int64 account_id))
{
	IdBuffer	level = {NULL, 0, 0};
	int			depth;

	idbuf_add(&level, root);
	for (depth = 0; depth < ACCOUNT_TREE_MAX_DEPTH && level.n > 0; depth++)
	{
		IdBuffer	next = {NULL, 0, 0};
		int			i;

		for (i = 0; i < level.n; i++)
		{
			int64		id = level.ids[i];

			if (hash_search(set, &id, HASH_FIND, NULL) != NULL)
				continue;
			add(set, id);
			catalog_scan(EXT_ACCOUNTS, EXT_IDX_ACCOUNTS_PARENT,
						 catalog_attnum(EXT_ACCOUNTS, "parent_id"), Int64GetDatum(id),
						 F_INT8EQ, snapshot, child_callback, &next);
		}
		pfree(level.ids);
		level = next;
	}
	if (level.ids != NULL)
		pfree(level.ids);
}
