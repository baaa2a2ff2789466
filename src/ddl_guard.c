/*
 * ddl_guard.c
 *		Utility statements that name the extension's relations: refused,
 *		before PostgreSQL takes any lock, to roles that do not own them.
 *
 * Every tenant's queries read the relations of schema permissions.  Much of
 * PostgreSQL's DDL locks a relation it names before it checks privileges
 * (ATTACH PARTITION, a foreign key's referenced table, CREATE TRIGGER,
 * COMMENT ...): a role that merely tries queues a strong lock behind any
 * open reader, and every other tenant's reads and writes queue behind it.
 *
 * So the ProcessUtility hook hands each statement of a role that is not a
 * superuser, in a database that has the extension, to this classifier.
 * Every statement node type of the server is in one table (statements[]):
 *
 * - names no existing relation, or only types and routines (SET, CREATE
 *   ROLE, CREATE FUNCTION's signature ...): passes;
 * - names relations only inside queries and expressions (EXPLAIN, COPY,
 *   PREPARE, a view's or a policy's query ...): such a reference takes the
 *   lock a query takes, and passes;
 * - names relations without locking them (GRANT): passes;
 * - names relations in other positions: a walker visits each one (the
 *   object worked on, parents, partitions, a foreign key's referenced
 *   table, LIKE, OWNED BY, a row type used as a column's type ...),
 *   resolves the name without a lock and refuses a relation every
 *   tenant's queries read (the extension's, a system catalog, a table under
 *   protect_table()) that the role does not own; a foreign key may also
 *   reference one on which the role holds REFERENCES, which a DBA grants to
 *   the role that runs an application's migrations;
 * - processes every relation it may (REINDEX DATABASE ...): refused;
 * - any node type the table does not list (one of a later server): refused.
 *
 * The checks of one named relation, and the pinning of each name to the
 * schema it was found in, are in ddl_names.c.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "ddl_guard.h"
#include "ddl_names.h"

typedef void (*GuardWalker) (Node *stmt, GuardContext *ctx);

/* How the classifier handles a statement node type. */
typedef enum GuardClass
{
	GUARD_NOT_A_STATEMENT,		/* never reaches ProcessUtility */
	GUARD_NO_RELATION,			/* names no existing relation */
	GUARD_QUERIES_ONLY,			/* names relations inside queries only */
	GUARD_WALKED,				/* every position is checked */
	GUARD_REFUSED				/* reaches every relation: DBAs only */
} GuardClass;

static const char *const class_text[] = {
	[GUARD_NOT_A_STATEMENT] = "not a utility statement",
	[GUARD_NO_RELATION] = "names no relation",
	[GUARD_QUERIES_ONLY] = "names relations inside queries only",
	[GUARD_WALKED] = "walked",
	[GUARD_REFUSED] = "refused",
};

typedef struct GuardStatement
{
	NodeTag		tag;
	const char *name;
	GuardClass	class;
	GuardWalker walk;
} GuardStatement;

static void guard_statement(Node *stmt, GuardContext *ctx);

/* ---- walkers, one per statement type that names relations ---- */

/* ALTER TABLE (and INDEX, VIEW, SEQUENCE, TYPE ...): target and subcommands. */
static void
walk_alter_table(Node *node, GuardContext *ctx)
{
	AlterTableStmt *stmt = (AlterTableStmt *) node;
	ListCell   *lc;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	foreach(lc, stmt->cmds)
	{
		AlterTableCmd *cmd = lfirst_node(AlterTableCmd, lc);
		Node	   *def = cmd->def;

		/* expressions (DEFAULT, GENERATED) take no subquery */
		if (def == NULL || cmd->subtype == AT_ColumnDefault)
			continue;
#if PG_VERSION_NUM >= 170000
		if (cmd->subtype == AT_SetExpression)
			continue;
#endif
		switch (nodeTag(def))
		{
			case T_ColumnDef:
				guard_check_column(ctx, (ColumnDef *) def, true);
				break;
			case T_Constraint:
				guard_check_constraint(ctx, (Constraint *) def, true);
				break;
			case T_RangeVar:	/* INHERIT, NO INHERIT */
				guard_check_rangevar(ctx, (RangeVar *) def, POS_PARENT, NIL, true);
				break;
			case T_PartitionCmd:	/* bounds take no subquery */
				guard_check_rangevar(ctx, ((PartitionCmd *) def)->name, POS_PARTITION, NIL, true);
				break;
			case T_TypeName:	/* OF */
				guard_check_type(ctx, (TypeName *) def, POS_ROWTYPE);
				break;
			case T_ReplicaIdentityStmt: /* an index of the table itself */
			case T_IndexStmt:	/* ... and so is an index to add */
			case T_List:		/* options */
			case T_Integer:
			case T_String:
			case T_Boolean:
#if PG_VERSION_NUM >= 180000
			case T_ATAlterConstraint:
#endif
				break;
			default:
				guard_refuse_unknown(ctx);
		}
	}
}

/* CREATE TABLE and CREATE FOREIGN TABLE: parents, OF, elements. */
static void
walk_create_table(Node *node, GuardContext *ctx)
{
	CreateStmt *stmt = IsA(node, CreateForeignTableStmt) ?
		&((CreateForeignTableStmt *) node)->base : (CreateStmt *) node;
	ListCell   *lc;

	guard_check_created(ctx, stmt->relation);
	foreach(lc, stmt->inhRelations)
		guard_check_rangevar(ctx, lfirst_node(RangeVar, lc), POS_PARENT, NIL, true);
	guard_check_type(ctx, stmt->ofTypename, POS_ROWTYPE);
	guard_check_table_elements(ctx, stmt->tableElts);
	foreach(lc, stmt->constraints)
		guard_check_constraint(ctx, lfirst_node(Constraint, lc), false);
}

/* CREATE TYPE ... AS (...): the attributes' types. */
static void
walk_composite_type(Node *node, GuardContext *ctx)
{
	CompositeTypeStmt *stmt = (CompositeTypeStmt *) node;

	guard_check_created(ctx, stmt->typevar);
	guard_check_table_elements(ctx, stmt->coldeflist);
}

/* CREATE DOMAIN: its base type. */
static void
walk_create_domain(Node *node, GuardContext *ctx)
{
	guard_check_type(ctx, ((CreateDomainStmt *) node)->typeName, POS_ROWTYPE);
}

/* CREATE TYPE ... AS RANGE: its subtype. */
static void
walk_create_range(Node *node, GuardContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ((CreateRangeStmt *) node)->params)
	{
		DefElem    *opt = lfirst_node(DefElem, lc);

		if (strcmp(opt->defname, "subtype") == 0 && opt->arg != NULL && IsA(opt->arg, TypeName))
			guard_check_type(ctx, (TypeName *) opt->arg, POS_ROWTYPE);
	}
}

/* CREATE TABLE AS, CREATE MATERIALIZED VIEW: an existing target only. */
static void
walk_create_table_as(Node *node, GuardContext *ctx)
{
	guard_check_created(ctx, ((CreateTableAsStmt *) node)->into->rel);
}

/* CREATE VIEW: an existing target only (OR REPLACE). */
static void
walk_create_view(Node *node, GuardContext *ctx)
{
	guard_check_created(ctx, ((ViewStmt *) node)->view);
}

/* CREATE SEQUENCE: an existing target, OWNED BY. */
static void
walk_create_sequence(Node *node, GuardContext *ctx)
{
	CreateSeqStmt *stmt = (CreateSeqStmt *) node;

	guard_check_created(ctx, stmt->sequence);
	guard_check_sequence_options(ctx, stmt->options);
}

/* ALTER SEQUENCE: target, OWNED BY. */
static void
walk_alter_sequence(Node *node, GuardContext *ctx)
{
	AlterSeqStmt *stmt = (AlterSeqStmt *) node;

	guard_check_rangevar(ctx, stmt->sequence, POS_TARGET, NIL, true);
	guard_check_sequence_options(ctx, stmt->options);
}

/* CREATE INDEX: its table. */
static void
walk_create_index(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((IndexStmt *) node)->relation, POS_TARGET, NIL, true);
}

/* CREATE TRIGGER: its table and a constraint trigger's other table. */
static void
walk_create_trigger(Node *node, GuardContext *ctx)
{
	CreateTrigStmt *stmt = (CreateTrigStmt *) node;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	guard_check_rangevar(ctx, stmt->constrrel, POS_CONSTRAINT_FROM, NIL, true);
}

/* CREATE RULE: its table (the actions are queries). */
static void
walk_create_rule(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((RuleStmt *) node)->relation, POS_TARGET, NIL, true);
}

/* CREATE POLICY: its table (USING and WITH CHECK are queries). */
static void
walk_create_policy(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((CreatePolicyStmt *) node)->table, POS_TARGET, NIL, true);
}

/* ALTER POLICY: its table. */
static void
walk_alter_policy(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((AlterPolicyStmt *) node)->table, POS_TARGET, NIL, true);
}

/* CREATE STATISTICS: its tables. */
static void
walk_create_statistics(Node *node, GuardContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ((CreateStatsStmt *) node)->relations)
		if (IsA(lfirst(lc), RangeVar))
			guard_check_rangevar(ctx, (RangeVar *) lfirst(lc), POS_STATISTICS, NIL, true);
}

/* TRUNCATE: its tables. */
static void
walk_truncate(Node *node, GuardContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ((TruncateStmt *) node)->relations)
		guard_check_rangevar(ctx, lfirst_node(RangeVar, lc), POS_TARGET, NIL, true);
}

/* VACUUM and ANALYZE: their tables; without any, see guard_reaches_every_relation(). */
static void
walk_vacuum(Node *node, GuardContext *ctx)
{
	VacuumStmt *stmt = (VacuumStmt *) node;
	ListCell   *lc;

	if (stmt->rels == NIL && guard_reaches_every_relation())
		guard_refuse_every_relation(ctx);
	foreach(lc, stmt->rels)
		guard_check_rangevar(ctx, lfirst_node(VacuumRelation, lc)->relation, POS_TARGET, NIL, true);
}

/* CLUSTER: its table (without one, only tables the role owns). */
static void
walk_cluster(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((ClusterStmt *) node)->relation, POS_TARGET, NIL, true);
}

/* REINDEX: its table or index or schema; a whole database is refused. */
static void
walk_reindex(Node *node, GuardContext *ctx)
{
	ReindexStmt *stmt = (ReindexStmt *) node;

	switch (stmt->kind)
	{
		case REINDEX_OBJECT_INDEX:
		case REINDEX_OBJECT_TABLE:
			guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
			break;
		case REINDEX_OBJECT_SCHEMA:
			guard_check_schema_name(ctx, stmt->name);
			break;
		case REINDEX_OBJECT_SYSTEM:
			break;				/* the system catalogs only */
		case REINDEX_OBJECT_DATABASE:
			guard_refuse_every_relation(ctx);
			break;
	}
}

/* REFRESH MATERIALIZED VIEW: its view. */
static void
walk_refresh(Node *node, GuardContext *ctx)
{
	guard_check_rangevar(ctx, ((RefreshMatViewStmt *) node)->relation, POS_TARGET, NIL, true);
}

/* COMMENT: the object. */
static void
walk_comment(Node *node, GuardContext *ctx)
{
	CommentStmt *stmt = (CommentStmt *) node;

	guard_check_object(ctx, stmt->objtype, &stmt->object);
}

/* SECURITY LABEL: the object. */
static void
walk_security_label(Node *node, GuardContext *ctx)
{
	SecLabelStmt *stmt = (SecLabelStmt *) node;

	guard_check_object(ctx, stmt->objtype, &stmt->object);
}

/* DROP: each object. */
static void
walk_drop(Node *node, GuardContext *ctx)
{
	DropStmt   *stmt = (DropStmt *) node;
	ListCell   *lc;

	foreach(lc, stmt->objects)
		guard_check_object(ctx, stmt->removeType, (Node **) &lfirst(lc));
}

/* ALTER ... RENAME: the relation, or the object. */
static void
walk_rename(Node *node, GuardContext *ctx)
{
	RenameStmt *stmt = (RenameStmt *) node;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	guard_check_object(ctx, stmt->renameType, &stmt->object);
}

/* ALTER ... DEPENDS ON EXTENSION: the relation, or the object. */
static void
walk_alter_depends(Node *node, GuardContext *ctx)
{
	AlterObjectDependsStmt *stmt = (AlterObjectDependsStmt *) node;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	guard_check_object(ctx, stmt->objectType, &stmt->object);
}

/* ALTER ... SET SCHEMA: the relation, or the object. */
static void
walk_alter_schema(Node *node, GuardContext *ctx)
{
	AlterObjectSchemaStmt *stmt = (AlterObjectSchemaStmt *) node;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	guard_check_object(ctx, stmt->objectType, &stmt->object);
}

/* ALTER ... OWNER TO: the relation, or the object. */
static void
walk_alter_owner(Node *node, GuardContext *ctx)
{
	AlterOwnerStmt *stmt = (AlterOwnerStmt *) node;

	guard_check_rangevar(ctx, stmt->relation, POS_TARGET, NIL, true);
	guard_check_object(ctx, stmt->objectType, &stmt->object);
}

/* ALTER EXTENSION ... ADD/DROP: the object. */
static void
walk_extension_contents(Node *node, GuardContext *ctx)
{
	AlterExtensionContentsStmt *stmt = (AlterExtensionContentsStmt *) node;

	guard_check_object(ctx, stmt->objtype, &stmt->object);
}

/* A publication's tables and schemas. */
static void
check_publication_objects(GuardContext *ctx, List *objects)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		PublicationObjSpec *obj = lfirst_node(PublicationObjSpec, lc);

		switch (obj->pubobjtype)
		{
			case PUBLICATIONOBJ_TABLE:
				if (obj->pubtable != NULL)
					guard_check_rangevar(ctx, obj->pubtable->relation, POS_PUBLISHED, NIL, true);
				break;
			case PUBLICATIONOBJ_TABLES_IN_SCHEMA:
				guard_check_schema_name(ctx, obj->name);
				break;
			case PUBLICATIONOBJ_TABLES_IN_CUR_SCHEMA:
				{
					List	   *path = fetch_search_path(false);

					if (path != NIL)
						guard_check_schema_name(ctx, get_namespace_name(linitial_oid(path)));
				}
				break;
			case PUBLICATIONOBJ_CONTINUATION:
				/* resolved by the grammar; never left in a statement */
				elog(ERROR, "unexpected publication object continuation");
				break;
		}
	}
}

/* CREATE PUBLICATION: its tables and schemas. */
static void
walk_create_publication(Node *node, GuardContext *ctx)
{
	check_publication_objects(ctx, ((CreatePublicationStmt *) node)->pubobjects);
}

/* ALTER PUBLICATION: its tables and schemas. */
static void
walk_alter_publication(Node *node, GuardContext *ctx)
{
	check_publication_objects(ctx, ((AlterPublicationStmt *) node)->pubobjects);
}

/*
 * CREATE SCHEMA ... with elements: PostgreSQL runs each element through
 * ProcessUtility (checked then, against the search path it runs with: the
 * new schema first); here only the element types are checked to be those.
 */
static void
walk_create_schema(Node *node, GuardContext *ctx)
{
	ListCell   *lc;

	foreach(lc, ((CreateSchemaStmt *) node)->schemaElts)
	{
		switch (nodeTag(lfirst(lc)))
		{
			case T_CreateStmt:
			case T_IndexStmt:
			case T_CreateSeqStmt:
			case T_CreateTrigStmt:
			case T_GrantStmt:
			case T_ViewStmt:
				break;
			default:
				guard_refuse_unknown(ctx);
		}
	}
}

/*
 * GRANT and REVOKE on relations: from 18 on, PostgreSQL locks each relation
 * before it checks the grantor's grant options, so naming one is refused
 * like any other position (ON ALL TABLES IN SCHEMA names them all).
 */
static void
walk_grant(Node *node, GuardContext *ctx)
{
	GrantStmt  *stmt = (GrantStmt *) node;
	ListCell   *lc;

	if (stmt->objtype != OBJECT_TABLE && stmt->objtype != OBJECT_SEQUENCE)
		return;
	foreach(lc, stmt->objects)
	{
		if (stmt->targtype == ACL_TARGET_ALL_IN_SCHEMA)
			guard_check_schema_name(ctx, strVal(lfirst(lc)));
		else if (stmt->targtype == ACL_TARGET_OBJECT)
			guard_check_rangevar(ctx, lfirst_node(RangeVar, lc), POS_TARGET, NIL, true);
	}
}

/* EXPLAIN: the statement explained, when it is CREATE TABLE AS. */
static void
walk_explain(Node *node, GuardContext *ctx)
{
	Node	   *query = ((ExplainStmt *) node)->query;

	if (query != NULL && IsA(query, Query) && ((Query *) query)->utilityStmt != NULL)
		guard_statement(((Query *) query)->utilityStmt, ctx);
}

#define STATEMENT(tag, class, walk) {T_##tag, #tag, class, walk}

/*
 * Every statement node type of the server, with its handling.  PostgreSQL
 * 16, 17 and 18 add none to those of 15; a later server's new ones are
 * refused until listed here (see the test ddl_guard_statements).
 */
static const GuardStatement statements[] = {
	/* never handed to ProcessUtility */
	STATEMENT(RawStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(PlannedStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(InsertStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(DeleteStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(UpdateStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(MergeStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(SelectStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(SetOperationStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(ReturnStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(PLAssignStmt, GUARD_NOT_A_STATEMENT, NULL),
	STATEMENT(ReplicaIdentityStmt, GUARD_NOT_A_STATEMENT, NULL),	/* in ALTER TABLE */

	/* relations named in DDL positions: walked */
	STATEMENT(AlterTableStmt, GUARD_WALKED, walk_alter_table),
	STATEMENT(CreateStmt, GUARD_WALKED, walk_create_table),
	STATEMENT(CreateForeignTableStmt, GUARD_WALKED, walk_create_table),
	STATEMENT(CompositeTypeStmt, GUARD_WALKED, walk_composite_type),
	STATEMENT(CreateDomainStmt, GUARD_WALKED, walk_create_domain),
	STATEMENT(CreateRangeStmt, GUARD_WALKED, walk_create_range),
	STATEMENT(CreateTableAsStmt, GUARD_WALKED, walk_create_table_as),
	STATEMENT(ViewStmt, GUARD_WALKED, walk_create_view),
	STATEMENT(CreateSeqStmt, GUARD_WALKED, walk_create_sequence),
	STATEMENT(AlterSeqStmt, GUARD_WALKED, walk_alter_sequence),
	STATEMENT(IndexStmt, GUARD_WALKED, walk_create_index),
	STATEMENT(CreateTrigStmt, GUARD_WALKED, walk_create_trigger),
	STATEMENT(RuleStmt, GUARD_WALKED, walk_create_rule),
	STATEMENT(CreatePolicyStmt, GUARD_WALKED, walk_create_policy),
	STATEMENT(AlterPolicyStmt, GUARD_WALKED, walk_alter_policy),
	STATEMENT(CreateStatsStmt, GUARD_WALKED, walk_create_statistics),
	STATEMENT(LockStmt, GUARD_WALKED, guard_check_locked),
	STATEMENT(TruncateStmt, GUARD_WALKED, walk_truncate),
	STATEMENT(VacuumStmt, GUARD_WALKED, walk_vacuum),
	STATEMENT(ClusterStmt, GUARD_WALKED, walk_cluster),
	STATEMENT(ReindexStmt, GUARD_WALKED, walk_reindex),
	STATEMENT(RefreshMatViewStmt, GUARD_WALKED, walk_refresh),
	STATEMENT(CommentStmt, GUARD_WALKED, walk_comment),
	STATEMENT(SecLabelStmt, GUARD_WALKED, walk_security_label),
	STATEMENT(DropStmt, GUARD_WALKED, walk_drop),
	STATEMENT(RenameStmt, GUARD_WALKED, walk_rename),
	STATEMENT(AlterObjectDependsStmt, GUARD_WALKED, walk_alter_depends),
	STATEMENT(AlterObjectSchemaStmt, GUARD_WALKED, walk_alter_schema),
	STATEMENT(AlterOwnerStmt, GUARD_WALKED, walk_alter_owner),
	STATEMENT(AlterExtensionContentsStmt, GUARD_WALKED, walk_extension_contents),
	STATEMENT(CreatePublicationStmt, GUARD_WALKED, walk_create_publication),
	STATEMENT(AlterPublicationStmt, GUARD_WALKED, walk_alter_publication),
	STATEMENT(CreateSchemaStmt, GUARD_WALKED, walk_create_schema),
	STATEMENT(ExplainStmt, GUARD_WALKED, walk_explain),
	STATEMENT(GrantStmt, GUARD_WALKED, walk_grant),

	/* every relation a tablespace holds */
	STATEMENT(AlterTableMoveAllStmt, GUARD_REFUSED, NULL),

	/* relations inside queries and expressions only: a query's locks */
	STATEMENT(CopyStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(PrepareStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(ExecuteStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(DeclareCursorStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(CallStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(DoStmt, GUARD_QUERIES_ONLY, NULL),
	STATEMENT(CreateFunctionStmt, GUARD_QUERIES_ONLY, NULL),

	/* relations without a lock on them (privileges are catalog rows) */

	/*
	 * no relation: roles, databases, settings, transactions, types and
	 * routines (a row type there takes no lock), and what checks ownership
	 * of a non-relation before it locks a table (ALTER DOMAIN), or of every
	 * role involved (DROP OWNED, REASSIGN OWNED); CREATE and ALTER
	 * EXTENSION and IMPORT FOREIGN SCHEMA run their statements through
	 * ProcessUtility, checked one by one
	 */
	STATEMENT(AlterDomainStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(GrantRoleStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterDefaultPrivilegesStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(ClosePortalStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DefineStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(FetchStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterFunctionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(NotifyStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(ListenStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(UnlistenStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(TransactionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(LoadStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreatedbStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropdbStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(VariableSetStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(VariableShowStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DiscardStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreatePLangStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateRoleStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterRoleStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropRoleStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(ConstraintsSetStmt, GUARD_NO_RELATION, NULL),	/* names constraints */
	STATEMENT(CheckPointStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterDatabaseStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterDatabaseRefreshCollStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterDatabaseSetStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterRoleSetStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateConversionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateCastStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateOpClassStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateOpFamilyStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterOpFamilyStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DeallocateStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateTableSpaceStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropTableSpaceStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterOperatorStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterTypeStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropOwnedStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(ReassignOwnedStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateEnumStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterEnumStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterTSDictionaryStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterTSConfigurationStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateFdwStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterFdwStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateForeignServerStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterForeignServerStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateUserMappingStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterUserMappingStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropUserMappingStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterTableSpaceOptionsStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(ImportForeignSchemaStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateExtensionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterExtensionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateEventTrigStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterEventTrigStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterSystemStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateTransformStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateAmStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(CreateSubscriptionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterSubscriptionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(DropSubscriptionStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterCollationStmt, GUARD_NO_RELATION, NULL),
	STATEMENT(AlterStatsStmt, GUARD_NO_RELATION, NULL),

#if PG_VERSION_NUM >= 190000
	/* statement types of PostgreSQL 19 go here once decided */
#endif
};

/* The table entry of a node type, or NULL. */
static const GuardStatement *
find_statement(NodeTag tag)
{
	int			i;

	for (i = 0; i < lengthof(statements); i++)
		if (statements[i].tag == tag)
			return &statements[i];
	return NULL;
}

/* Checks one statement (or a statement inside one) against the table. */
static void
guard_statement(Node *stmt, GuardContext *ctx)
{
	const GuardStatement *entry = find_statement(nodeTag(stmt));

	if (entry == NULL || entry->class == GUARD_NOT_A_STATEMENT)
		guard_refuse_unknown(ctx);
	if (entry->class == GUARD_REFUSED)
		guard_refuse_every_relation(ctx);
	if (entry->walk != NULL)
		entry->walk(stmt, ctx);
}

/*
 * Checks a utility statement of a role that is not a superuser, in a
 * database with the extension, before PostgreSQL runs it.  It may qualify
 * names in the statement (see the header): hand it a tree PostgreSQL then
 * runs and no one else shares.
 */
void
ddl_guard_check(Node *parsetree)
{
	GuardContext ctx;
	const char *tag;

	if (superuser())
		return;
	ctx.schema = get_namespace_oid("permissions", true);
	if (!OidIsValid(ctx.schema))
		return;
	tag = GetCommandTagName(CreateCommandTag(parsetree));
	ctx.command = strcmp(tag, "???") == 0 ? "this statement" : tag;
	guard_statement(parsetree, &ctx);
}

PG_FUNCTION_INFO_V1(ddl_guard_statements);

/*
 * permissions.ddl_guard_statements(): every statement node type the
 * classifier knows and its handling, so that a test can compare them with
 * the server's own list.
 */
Datum
ddl_guard_statements(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < lengthof(statements); i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = CStringGetTextDatum(statements[i].name);
		values[1] = CStringGetTextDatum(class_text[statements[i].class]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
