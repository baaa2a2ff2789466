/*
 * acting_role.c
 *		The role whose identity the running code acts with.
 *
 * Identity belongs to a role: a login role mapped by users.db_role is that
 * user, and a credential or token identity belongs to the role that
 * authenticated.  PostgreSQL runs code on other roles' behalf in two ways,
 * and neither may borrow the session's identity:
 *
 * - Security-restricted operations (ANALYZE, VACUUM, CREATE INDEX, REFRESH
 *   MATERIALIZED VIEW, ...) evaluate a table owner's expressions while the
 *   outer role is whoever ran the command.  They act as nobody.
 * - A SECURITY DEFINER function runs as its owner.  When the owner is not a
 *   superuser, the function is someone else's code, and it acts with its
 *   owner's own mapping, never with the caller's identity.  Superusers'
 *   definer functions (the extension's own among them) keep the caller's
 *   identity: they are trusted, and the extension's functions need it to
 *   check the caller's rights.
 *
 * Non-superuser definer frames are tracked through fmgr_hook, which
 * PostgreSQL calls on entry to and exit from every SECURITY DEFINER function.
 * A parallel worker learns the leader's innermost frame from an internal
 * setting that only this module can write.
 *
 * Without preloading (session_preload_libraries), the library may be loaded
 * inside a frame it did not see.  When the role running then is not a
 * superuser, it is taken as the innermost frame until the session is back
 * at its own role; when it is a superuser (the extension's own definer code
 * being the first thing the session ran), no frame below it can be seen:
 * preloading closes that gap, as the README says.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/syscache.h"

#include "acting_role.h"
#include "identity.h"

#define ACTING_ROLE_GUC "permissions.acting_role"
#define MAX_FRAMES 256

static needs_fmgr_hook_type prev_needs_fmgr_hook = NULL;
static fmgr_hook_type prev_fmgr_hook = NULL;

/* Owners of the non-superuser SECURITY DEFINER functions now running. */
static Oid	frames[MAX_FRAMES];
static int	nframes = 0;
static int	overflow = 0;		/* frames past MAX_FRAMES: act as nobody */

/* The role the library was loaded under, when that was a frame unseen. */
static Oid	unseen_owner = InvalidOid;

/* The leader's innermost frame, as a parallel worker receives it. */
static char *acting_role_setting = NULL;
static bool acting_role_internal = false;

/* Refuses every value of the internal setting not written by this module. */
static bool
acting_role_check_hook(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (!acting_role_internal && !InitializingParallelWorker)
	{
		GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
		GUC_check_errmsg("parameter \"%s\" cannot be set directly", ACTING_ROLE_GUC);
		GUC_check_errdetail("It is maintained by the permissions extension for parallel workers.");
		return false;
	}
	return strspn(*newval, "0123456789") == strlen(*newval);
}

/* fmgr_hook wants every function the previous hook wants. */
static bool
acting_needs_fmgr_hook(Oid fn_oid)
{
	return prev_needs_fmgr_hook ? prev_needs_fmgr_hook(fn_oid) : false;
}

/* The owner of a SECURITY DEFINER function, or InvalidOid for any other. */
static Oid
definer_owner(Oid fn_oid)
{
	HeapTuple	tup = SearchSysCache1(PROCOID, ObjectIdGetDatum(fn_oid));
	Oid			owner = InvalidOid;

	if (HeapTupleIsValid(tup))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tup);

		if (proc->prosecdef)
			owner = proc->proowner;
		ReleaseSysCache(tup);
	}
	return owner;
}

/*
 * Pushes the owner of a non-superuser definer function on entry and pops it
 * on exit or error.  *private remembers, per call site, whether it pushed.
 */
static void
acting_fmgr_hook(FmgrHookEventType event, FmgrInfo *flinfo, Datum *private)
{
	if (event == FHET_START)
	{
		Oid			owner = definer_owner(flinfo->fn_oid);

		*private = BoolGetDatum(false);
		if (OidIsValid(owner) && !superuser_arg(owner))
		{
			if (nframes < MAX_FRAMES)
				frames[nframes++] = owner;
			else
				overflow++;
			*private = BoolGetDatum(true);
			identity_note_change();
		}
	}
	else if (DatumGetBool(*private))
	{
		if (overflow > 0)
			overflow--;
		else if (nframes > 0)
			nframes--;
		*private = BoolGetDatum(false);
		identity_note_change();
	}
	if (prev_fmgr_hook)
		prev_fmgr_hook(event, flinfo, private);
}

/* Frames never outlive their transaction; start every transaction clean. */
static void
acting_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PREPARE)
	{
		nframes = 0;
		overflow = 0;
		unseen_owner = InvalidOid;
		identity_note_change();
	}
}

/* Installs the hooks; called once from _PG_init. */
void
acting_role_init(void)
{
	DefineCustomStringVariable(ACTING_ROLE_GUC,
							   "Internal: the role whose identity parallel workers act with.",
							   "Maintained by the permissions extension; any other attempt to set it is refused.",
							   &acting_role_setting,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							   acting_role_check_hook, NULL, NULL);

	prev_needs_fmgr_hook = needs_fmgr_hook;
	needs_fmgr_hook = acting_needs_fmgr_hook;
	prev_fmgr_hook = fmgr_hook;
	fmgr_hook = acting_fmgr_hook;
	RegisterXactCallback(acting_xact_callback, NULL);

	/* loaded from inside someone's definer function: a frame unseen */
	if (!IsParallelWorker() && IsUnderPostmaster && GetUserId() != GetOuterUserId() &&
		!superuser_arg(GetUserId()))
		unseen_owner = GetUserId();
}

/*
 * The role whose identity applies now, or InvalidOid when the running code
 * acts as nobody.
 */
Oid
acting_role(void)
{
	Oid			outer = GetOuterUserId();

	if (InSecurityRestrictedOperation() || overflow > 0)
		return InvalidOid;
	if (nframes > 0)
		return frames[nframes - 1];
	if (OidIsValid(unseen_owner))
	{
		if (GetUserId() != outer)
			return unseen_owner;
		unseen_owner = InvalidOid;
	}
	if (IsParallelWorker() && acting_role_setting != NULL &&
		acting_role_setting[0] != '\0')
		return (Oid) strtoul(acting_role_setting, NULL, 10);
	return outer;
}

/*
 * Whether the acting role is a superuser: the DBA test of the rule
 * triggers, which run as SECURITY DEFINER and so cannot ask superuser().
 * Maintenance asks about the role it runs as.
 */
bool
acting_role_is_superuser(void)
{
	Oid			role = acting_role();

	return superuser_arg(OidIsValid(role) ? role : GetUserId());
}

/*
 * Publishes the innermost frame before a statement starts, so that the
 * parallel workers it may launch act with the same role as the leader.
 * Nothing is written while no frame is open and nothing was published.
 */
void
acting_role_sync_for_workers(void)
{
	char		value[16] = "";

	if (IsInParallelMode() || IsParallelWorker())
		return;
	if (nframes > 0)
		snprintf(value, sizeof(value), "%u", frames[nframes - 1]);
	if (strcmp(value, acting_role_setting ? acting_role_setting : "") == 0)
		return;
	acting_role_internal = true;
	PG_TRY();
	{
		(void) set_config_option(ACTING_ROLE_GUC, value, PGC_SUSET, PGC_S_SESSION,
								 GUC_ACTION_SET, true, 0, false);
	}
	PG_FINALLY();
	{
		acting_role_internal = false;
	}
	PG_END_TRY();
}
