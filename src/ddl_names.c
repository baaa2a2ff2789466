/*
 * ddl_names.c
 *		Resolves each relation a utility statement names, without a lock,
 *		and refuses the extension's relations to roles that do not own them
 *		(see ddl_guard.c, which decides where a statement names relations).
 *
 * The relations guarded are those every tenant's queries read: the
 * extension's (schema permissions), the system catalogs, TOAST tables, and
 * application tables under permissions.protect_table().  A name may also
 * reach one as a row type (a column of type permissions.users), or through
 * a view (LOCK TABLE).
 * Each resolved unqualified name is pinned: qualified with the schema it was
 * found in, so that PostgreSQL's own lookup, a moment later, finds the same
 * relation.
 */
#include "postgres.h"

#include "access/relation.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "catalog/pg_database.h"
#include "catalog/pg_namespace.h"
#include "commands/policy.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/parse_type.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "ddl_names.h"

/* ownership checks: one function since PostgreSQL 16 */
#if PG_VERSION_NUM >= 160000
#define owns_relation(relid) object_ownercheck(RelationRelationId, (relid), GetUserId())
#define owns_schema(nspid) object_ownercheck(NamespaceRelationId, (nspid), GetUserId())
#define owns_database(dbid) object_ownercheck(DatabaseRelationId, (dbid), GetUserId())
#else
#define owns_relation(relid) pg_class_ownercheck((relid), GetUserId())
#define owns_schema(nspid) pg_namespace_ownercheck((nspid), GetUserId())
#define owns_database(dbid) pg_database_ownercheck((dbid), GetUserId())
#endif

static const char *const position_text[] = {
	[POS_TARGET] = "the object it works on, or the table that holds that object",
	[POS_PARENT] = "a parent table (INHERITS, PARTITION OF, INHERIT)",
	[POS_PARTITION] = "a partition to attach or detach",
	[POS_REFERENCED] = "the table a foreign key references",
	[POS_LIKE] = "the source of LIKE",
	[POS_ROWTYPE] = "a type (of a column, an attribute, a domain or a range, or OF)",
	[POS_CONSTRAINT_FROM] = "the other table of a constraint trigger (FROM)",
	[POS_OWNED_BY] = "the table that owns a sequence (OWNED BY)",
	[POS_PUBLISHED] = "a table or schema of a publication",
	[POS_STATISTICS] = "a table of extended statistics",
	[POS_LOCKED] = "a table to lock, directly or through a view",
};

/*
 * What makes a relation one that every tenant's queries read, or NULL: it
 * is one of the extension's (schema permissions), a system catalog, a TOAST
 * table, or an application table under permissions.protect_table().
 */
static const char *
shared_relation(Oid relid, GuardContext *ctx)
{
	Oid			nsp = get_rel_namespace(relid);

	if (nsp == ctx->schema)
		return "a relation of the permissions extension";
	if (nsp == PG_CATALOG_NAMESPACE)
		return "a system catalog";
	if (nsp == PG_TOAST_NAMESPACE)
		return "a TOAST table";
	if (OidIsValid(get_relation_policy_oid(relid, "permissions_select", true)))
		return "a table under permissions.protect_table()";
	return NULL;
}

/* Whether the role holds REFERENCES on these columns (any column if none). */
static bool
holds_references(Oid relid, List *columns)
{
	Oid			user = GetUserId();
	ListCell   *lc;

	if (pg_class_aclcheck(relid, user, ACL_REFERENCES) == ACLCHECK_OK)
		return true;
	if (columns == NIL)
		return pg_attribute_aclcheck_all(relid, user, ACL_REFERENCES, ACLMASK_ANY) == ACLCHECK_OK;
	foreach(lc, columns)
	{
		AttrNumber	attnum = get_attnum(relid, strVal(lfirst(lc)));

		if (attnum == InvalidAttrNumber ||
			pg_attribute_aclcheck(relid, attnum, user, ACL_REFERENCES) != ACLCHECK_OK)
			return false;
	}
	return true;
}

/* The relation's name, schema-qualified, for messages. */
static char *
relation_display_name(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}

/* Raises the error of a refused position. */
static void
refuse_relation(GuardContext *ctx, Oid relid, GuardPosition pos)
{
	const char *hint;

	switch (pos)
	{
		case POS_LOCKED:
			hint = "To protect rows you may change, use row locks (SELECT ... FOR UPDATE).";
			break;
		case POS_REFERENCED:
			hint = "A DBA grants REFERENCES on the referenced columns to the role that runs the application's migrations.";
			break;
		case POS_ROWTYPE:
			hint = "Declare the columns you need, or use a type of your own.";
			break;
		default:
			hint = "Ask a DBA to run it, as a superuser or as the relation's owner.";
			break;
	}
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s is not allowed on \"%s\"", ctx->command, relation_display_name(relid)),
			 errdetail("The statement names it as %s. It is %s, which every tenant's queries read, and PostgreSQL locks it there, often before checking privileges: every tenant would wait. Only its owner or a superuser may name it there.",
					   position_text[pos], shared_relation(relid, ctx)),
			 errhint("%s", hint)));
}

/* Refuses a shared relation the role may not name at this position. */
static void
check_relid(GuardContext *ctx, Oid relid, GuardPosition pos, List *columns)
{
	if (!OidIsValid(relid) || shared_relation(relid, ctx) == NULL || owns_relation(relid))
		return;
	if (pos == POS_REFERENCED && holds_references(relid, columns))
		return;
	refuse_relation(ctx, relid, pos);
}

/* The schema to pin an unqualified name to, or NULL (temporary: no race). */
static char *
pin_schema(Oid relid)
{
	Oid			nsp = get_rel_namespace(relid);

	if (isAnyTempNamespace(nsp))
		return NULL;
	return get_namespace_name(nsp);
}

/* Checks a named relation; pins the name unless told not to. */
void
guard_check_rangevar(GuardContext *ctx, RangeVar *rv, GuardPosition pos, List *columns, bool pin)
{
	Oid			relid;

	if (rv == NULL)
		return;
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return;
	check_relid(ctx, relid, pos, columns);
	if (pin && rv->schemaname == NULL)
		rv->schemaname = pin_schema(relid);
}

/*
 * Checks the relation named by the leading names of a name list (all but
 * the last `trailing` names), and pins it.
 */
void
guard_check_names(GuardContext *ctx, List **names, int trailing, GuardPosition pos)
{
	int			n;
	RangeVar   *rv;
	Oid			relid;
	char	   *schema;

	if (*names == NIL || !IsA(*names, List))
		return;
	n = list_length(*names) - trailing;
	if (n < 1 || n > 3)
		return;
	rv = makeRangeVarFromNameList(list_truncate(list_copy(*names), n));
	relid = RangeVarGetRelid(rv, NoLock, true);
	if (!OidIsValid(relid))
		return;
	check_relid(ctx, relid, pos, NIL);
	if (n == 1 && (schema = pin_schema(relid)) != NULL)
		*names = lcons(makeString(schema), *names);
}

/*
 * Refuses a type that is, or is built on (domain, array, range), the row
 * type of an extension's relation: PostgreSQL locks that relation to check
 * a column of its row type, and such a column keeps the extension from
 * rewriting the table.
 */
void
guard_check_type(GuardContext *ctx, TypeName *type, GuardPosition pos)
{
	Oid			typid;
	int			depth;

	if (type == NULL || type->names == NIL || type->pct_type)
		return;
	typid = LookupTypeNameOid(NULL, type, true);
	for (depth = 0; OidIsValid(typid) && depth < 32; depth++)
	{
		Oid			inner;

		typid = getBaseType(typid);
		if (OidIsValid(inner = get_element_type(typid)) ||
			OidIsValid(inner = get_range_subtype(typid)) ||
			OidIsValid(inner = get_multirange_range(typid)))
		{
			typid = inner;
			continue;
		}
		check_relid(ctx, get_typ_typrelid(typid), pos, NIL);
		return;
	}
}

/* Refuses schema permissions (REINDEX SCHEMA, TABLES IN SCHEMA) to non-owners. */
void
guard_check_schema_name(GuardContext *ctx, const char *name)
{
	if (name == NULL || get_namespace_oid(name, true) != ctx->schema || owns_schema(ctx->schema))
		return;
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s is not allowed on schema \"%s\"", ctx->command, name),
			 errdetail("Every tenant's queries read the relations of the permissions extension in schema %s; a statement on all of them would lock them, and every tenant would wait.", name),
			 errhint("Ask a DBA to run it.")));
}

/*
 * Checks an object given as get_object_address() takes it: the relation
 * it is, or the table that holds it, or the row type it is.  Every object
 * type is listed, so that a new one fails to compile until it is decided.
 */
void
guard_check_object(GuardContext *ctx, ObjectType type, Node **object)
{
	if (*object == NULL)
		return;
	switch (type)
	{
		case OBJECT_TABLE:
		case OBJECT_SEQUENCE:
		case OBJECT_VIEW:
		case OBJECT_MATVIEW:
		case OBJECT_INDEX:
		case OBJECT_FOREIGN_TABLE:
			guard_check_names(ctx, (List **) object, 0, POS_TARGET);
			break;
		case OBJECT_COLUMN:
		case OBJECT_ATTRIBUTE:
		case OBJECT_DEFAULT:
		case OBJECT_TRIGGER:
		case OBJECT_RULE:
		case OBJECT_POLICY:
		case OBJECT_TABCONSTRAINT:
			guard_check_names(ctx, (List **) object, 1, POS_TARGET);
			break;
		case OBJECT_PUBLICATION_REL:
			if (IsA(*object, List) && list_length((List *) *object) == 2)
				guard_check_names(ctx, (List **) &linitial((List *) *object), 0, POS_PUBLISHED);
			break;
		case OBJECT_TYPE:
		case OBJECT_DOMAIN:
			if (IsA(*object, TypeName))
				guard_check_type(ctx, (TypeName *) *object, POS_TARGET);
			else if (IsA(*object, List))
				guard_check_type(ctx, makeTypeNameFromNameList((List *) *object), POS_TARGET);
			break;
		case OBJECT_ACCESS_METHOD:
		case OBJECT_AGGREGATE:
		case OBJECT_AMOP:
		case OBJECT_AMPROC:
		case OBJECT_CAST:
		case OBJECT_COLLATION:
		case OBJECT_CONVERSION:
		case OBJECT_DATABASE:
		case OBJECT_DEFACL:
		case OBJECT_DOMCONSTRAINT:
		case OBJECT_EVENT_TRIGGER:
		case OBJECT_EXTENSION:
		case OBJECT_FDW:
		case OBJECT_FOREIGN_SERVER:
		case OBJECT_FUNCTION:
		case OBJECT_LANGUAGE:
		case OBJECT_LARGEOBJECT:
		case OBJECT_OPCLASS:
		case OBJECT_OPERATOR:
		case OBJECT_OPFAMILY:
		case OBJECT_PARAMETER_ACL:
		case OBJECT_PROCEDURE:
		case OBJECT_PUBLICATION:
		case OBJECT_PUBLICATION_NAMESPACE:
		case OBJECT_ROLE:
		case OBJECT_ROUTINE:
		case OBJECT_SCHEMA:
		case OBJECT_SUBSCRIPTION:
		case OBJECT_STATISTIC_EXT:
		case OBJECT_TABLESPACE:
		case OBJECT_TRANSFORM:
		case OBJECT_TSCONFIGURATION:
		case OBJECT_TSDICTIONARY:
		case OBJECT_TSPARSER:
		case OBJECT_TSTEMPLATE:
		case OBJECT_USER_MAPPING:
			/* not a relation, and locks none */
			break;
	}
}

/* Checks a foreign key constraint's referenced table (without pinning). */
void
guard_check_constraint(GuardContext *ctx, Constraint *con, bool pin)
{
	if (con->contype == CONSTR_FOREIGN)
		guard_check_rangevar(ctx, con->pktable, POS_REFERENCED, con->pk_attrs, pin);
}

/* Checks a column definition: its type and its constraints. */
void
guard_check_column(GuardContext *ctx, ColumnDef *col, bool pin)
{
	ListCell   *lc;

	guard_check_type(ctx, col->typeName, POS_ROWTYPE);
	foreach(lc, col->constraints)
		guard_check_constraint(ctx, lfirst_node(Constraint, lc), pin);
}

/*
 * Checks the elements of a table definition.  A foreign key's referenced
 * table is not pinned here: it may be the table being created, and
 * PostgreSQL adds the key afterwards through ALTER TABLE, checked (and
 * pinned) then.
 */
void
guard_check_table_elements(GuardContext *ctx, List *elements)
{
	ListCell   *lc;

	foreach(lc, elements)
	{
		Node	   *elt = lfirst(lc);

		if (IsA(elt, ColumnDef))
			guard_check_column(ctx, (ColumnDef *) elt, false);
		else if (IsA(elt, Constraint))
			guard_check_constraint(ctx, (Constraint *) elt, false);
		else if (IsA(elt, TableLikeClause))
			guard_check_rangevar(ctx, ((TableLikeClause *) elt)->relation, POS_LIKE, NIL, true);
		else
			guard_refuse_unknown(ctx);
	}
}

/*
 * Checks the relation a CREATE names when it exists already (IF NOT
 * EXISTS, OR REPLACE), in the schema it would be created in; not pinned.
 */
void
guard_check_created(GuardContext *ctx, RangeVar *rv)
{
	Oid			nsp;

	if (rv == NULL || rv->relpersistence == RELPERSISTENCE_TEMP)
		return;
	nsp = RangeVarGetCreationNamespace(rv);
	if (nsp == ctx->schema)
		check_relid(ctx, get_relname_relid(rv->relname, nsp), POS_TARGET, NIL);
}

/* Checks the OWNED BY option of a sequence. */
void
guard_check_sequence_options(GuardContext *ctx, List *options)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "owned_by") == 0 && opt->arg != NULL && IsA(opt->arg, List))
			guard_check_names(ctx, (List **) &opt->arg, 1, POS_OWNED_BY);
	}
}

/*
 * Refuses what the classifier does not know (a statement, a subcommand or
 * an element of a later server): closed by default.
 */
void
guard_refuse_unknown(GuardContext *ctx)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("the permissions extension does not know this form of %s", ctx->command),
			 errdetail("In a database with the permissions extension, a statement it does not know is refused to roles other than superusers: it might lock the extension's relations before PostgreSQL checks privileges."),
			 errhint("Run it as a superuser, or install a version of the extension that knows it.")));
}

/* Refuses a statement that would process every relation it may. */
void
guard_refuse_every_relation(GuardContext *ctx)
{
	ereport(ERROR,
			(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
			 errmsg("%s would reach the relations of the permissions extension", ctx->command),
			 errdetail("Without a list of relations it processes every relation the role may process here, including those of the permissions extension: it would lock them, and every tenant would wait."),
			 errhint("Name the relations to process, or ask a DBA to run it.")));
}

/*
 * Whether a VACUUM or ANALYZE without a list would process the extension's
 * relations: a database owner's does (PostgreSQL 15 and 16), so does a
 * member's of pg_maintain (17 on).
 */
bool
guard_reaches_every_relation(void)
{
	if (owns_database(MyDatabaseId))
		return true;
#if PG_VERSION_NUM >= 170000
	if (has_privs_of_role(GetUserId(), ROLE_PG_MAINTAIN))
		return true;
#endif
	return false;
}

/* Views are followed this deep (LOCK TABLE locks what a view reads). */
#define MAX_VIEW_DEPTH 32

typedef struct ReachContext
{
	GuardContext *guard;
	int			depth;
	Oid			view;			/* the view being followed (on 15 its query lists itself) */
	Oid			found;			/* a shared relation the role does not own */
} ReachContext;

static void relation_reaches(Oid relid, ReachContext *ctx);

/* Walks a view's query for the relations it reads. */
static bool
reach_walker(Node *node, ReachContext *ctx)
{
	if (node == NULL || OidIsValid(ctx->found))
		return false;
	if (IsA(node, RangeTblEntry))
	{
		RangeTblEntry *rte = (RangeTblEntry *) node;

		if (rte->rtekind == RTE_RELATION && rte->relid != ctx->view)
			relation_reaches(rte->relid, ctx);
		return false;
	}
	if (IsA(node, Query))
		return query_tree_walker((Query *) node, reach_walker, (void *) ctx,
								 QTW_EXAMINE_RTES_BEFORE);
	return expression_tree_walker(node, reach_walker, (void *) ctx);
}

/*
 * Records a shared relation the role does not own that a relation is,
 * or that a view reads at any depth (a lock on a view locks what it reads).
 */
static void
relation_reaches(Oid relid, ReachContext *ctx)
{
	if (shared_relation(relid, ctx->guard) != NULL)
	{
		if (!owns_relation(relid))
			ctx->found = relid;
		return;
	}
	if (get_rel_relkind(relid) == RELKIND_VIEW)
	{
		Relation	view;
		Oid			outer = ctx->view;

		if (ctx->depth >= MAX_VIEW_DEPTH)
		{
			ctx->found = relid;		/* suspiciously deep: refuse, do not follow */
			return;
		}
		ctx->depth++;
		/*
		 * The lock (what any read of the view takes) is kept until the
		 * transaction ends: the view cannot be redefined between this
		 * check and the LOCK that follows it.
		 */
		view = relation_open(relid, AccessShareLock);
		ctx->view = relid;
		(void) reach_walker((Node *) get_view_query(view), ctx);
		ctx->view = outer;
		relation_close(view, NoLock);
		ctx->depth--;
	}
}

/* LOCK TABLE: each table, and what a view among them reads. */
void
guard_check_locked(Node *node, GuardContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ((LockStmt *) node)->relations)
	{
		RangeVar   *rv = lfirst_node(RangeVar, lc);
		ReachContext reach = {ctx, 0, InvalidOid, InvalidOid};
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);

		if (!OidIsValid(relid))
			continue;
		relation_reaches(relid, &reach);
		if (OidIsValid(reach.found))
			refuse_relation(ctx, reach.found, POS_LOCKED);
		if (rv->schemaname == NULL)
			rv->schemaname = pin_schema(relid);
	}
}
