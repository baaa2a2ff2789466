/*
 * app_tables.c
 *		Keeps the application tables protect_table() protected completely.
 *
 * permissions.protection_ddl_end() is an event trigger on ddl_command_end:
 * after every DDL statement of the database it runs
 * permissions.protection_enforce() (install/78_app_tables.sql), which
 * protects tables that became partitions or children of protected tables
 * and refuses the statement if a protected table is left short of its
 * protection.  That function runs DDL of its own; the event trigger does not
 * run again for it (a backend-local depth, which no client can set).  It
 * stands aside while a DBA restores a dump (row_security off, as pg_dump's
 * output sets it: the restored tables, policies and registry arrive in
 * separate statements), while an extension script runs, and in binary
 * upgrade.
 *
 * Every DDL statement of the database reads the registry of protected
 * tables (permissions.protected_tables) this way: while a DBA's maintenance
 * holds a lock on it that conflicts with the enforcement's, a DDL statement
 * is refused at once (object_in_use) instead of queueing behind it, and
 * every later statement of the database behind that one.
 *
 * The registry of protected tables is written only through the definer
 * functions protection_register() and protection_forget(), which check
 * with protection_caller_owns() that their caller owns the tables.
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/rls.h"

#include "acting_role.h"

PG_FUNCTION_INFO_V1(app_tables_ddl_end);
PG_FUNCTION_INFO_V1(app_tables_caller_owns);

/* How deep the enforcement runs now: its own DDL is not checked again. */
static int	depth = 0;

/*
 * Takes the lock the enforcement needs on the registry of protected tables
 * (it reads the registry and deletes the rows of dropped tables), or refuses
 * the DDL statement at once when a DBA's lock on the registry conflicts:
 * nobody queues behind the registry.
 */
static void
lock_registry(void)
{
	Oid			schema = get_namespace_oid("permissions", true);
	Oid			registry = OidIsValid(schema) ? get_relname_relid("protected_tables", schema) : InvalidOid;

	/* (without it the enforcement itself reports what is missing) */
	if (!OidIsValid(registry))
		return;
	if (!ConditionalLockRelationOid(registry, RowExclusiveLock))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_IN_USE),
				 errmsg("the registry of protected application tables is locked"),
				 errdetail("A DBA's maintenance holds a lock on permissions.protected_tables, against which every DDL statement of the database is checked; no statement waits for it."),
				 errhint("Retry the statement when the maintenance has ended.")));
}

/*
 * permissions.protection_ddl_end() event trigger, ddl_command_end
 *		Runs permissions.protection_enforce() as a superuser after a DDL
 *		statement, unless one is running already; refuses the statement at
 *		once while the registry is locked.
 */
Datum
app_tables_ddl_end(PG_FUNCTION_ARGS)
{
	Oid			save_userid;
	int			save_sec_context;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("permissions.protection_ddl_end() must be an event trigger")));
	if (depth > 0 || creating_extension || IsBinaryUpgrade || (!row_security && superuser()))
		PG_RETURN_VOID();

	lock_registry();
	depth++;
	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(BOOTSTRAP_SUPERUSERID, save_sec_context | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		if (SPI_execute("SELECT permissions.protection_enforce()", false, 0) != SPI_OK_SELECT)
			elog(ERROR, "could not check the protection of application tables");
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
		depth--;
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}

/*
 * permissions.protection_caller_owns(tbl regclass) returns boolean
 *		Whether the role acting now (inside a SECURITY DEFINER function of
 *		the extension: its caller) owns the table, or is a superuser: the
 *		check of the definer functions that write the registry of
 *		protected tables for protect_table() and unprotect_table().
 */
Datum
app_tables_caller_owns(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Oid			role = acting_role();

	if (!OidIsValid(role))
		PG_RETURN_BOOL(false);
#if PG_VERSION_NUM >= 160000
	PG_RETURN_BOOL(object_ownercheck(RelationRelationId, relid, role));
#else
	PG_RETURN_BOOL(pg_class_ownercheck(relid, role));
#endif
}
