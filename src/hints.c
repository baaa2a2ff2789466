/*
 * hints.c
 *		Freshness hints: writers tell every backend which tenants their
 *		transaction changed, before the change becomes visible.
 *
 * A cache of access (access_cache.c) must not outlive a committed change of
 * any tenant it read from.  The tenants' epoch rows (epoch.c) say exactly
 * whether one moved, but reading them costs an index scan per tenant at
 * every new snapshot.  Hints make that scan unnecessary when nothing that
 * matters changed:
 *
 * - A transaction that moved tenants' epochs sends, while it commits but
 *   before its commit is visible to any snapshot (XACT_EVENT_PRE_COMMIT),
 *   one shared invalidation message batch naming its top transaction id
 *   and the tenants.  Batches of up to 64 messages enter the queue as one,
 *   so a batch is read whole, in order.
 * - Every backend reads the queue (AcceptInvalidationMessages) before it
 *   checks a cache under a new snapshot, and keeps each hint pending until
 *   a snapshot sees its transaction finished.  Then the caches that read
 *   from one of the hint's tenants are marked stale (their epochs are
 *   checked); the others stay valid for newer snapshots at no cost.
 *
 * Soundness rests on the order: a snapshot that sees a transaction
 * committed was taken after the transaction left the proc array, which is
 * after its hint entered the queue; the reader takes in the queue after it
 * took the snapshot.  A snapshot may also be older than the one a cache was
 * last checked under (a cursor's, a pushed one): a hint already applied is
 * kept, within the transaction, until every snapshot the backend holds sees
 * its transaction, and a cache is not vouched for under a snapshot that
 * misses one of its tenants' applied hints.  Whatever the hints cannot
 * vouch for gets the full epoch check: a hot standby (invalidations sent
 * this way do not cross replication), a backend whose queue position was
 * reset (hints lost), a batch that does not parse, hints sent before the
 * backend listened.
 *
 * The messages are catalog cache invalidations of the encoding conversions'
 * cache (CONVOID), whose hash values carry the payload (a header, the
 * transaction id, a count, the tenants, a checksum).  That cache holds at
 * most a few entries and nothing in PostgreSQL listens to it, so a message
 * costs other backends a hash probe; relation cache messages would have
 * rebuilt (and dropped the cached plans of) any relation whose OID a
 * payload value happened to equal.
 */
#include "postgres.h"

#include "access/transam.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/sinval.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "hints.h"

/* The catalog cache whose invalidations carry hints, and the value that opens a batch. */
#define HINT_CACHE			CONVOID
#define HINT_HEADER			((uint32) 0x9E3779B9)

/* One batch enters the queue under one lock: header, xid, count, tenants, checksum. */
#define HINT_BATCH			64
#define HINT_MAX_TENANTS	(HINT_BATCH - 4)

/* Hints kept pending, and applied, at most (more: hints count as lost). */
#define HINT_MAX_HINTS		512

typedef struct Hint
{
	TransactionId xid;
	bool		all;			/* too many tenants to list, or hints lost: every cache */
	bool		barrier;		/* hints were lost for every xid before xid */
	int			ntenants;
	uint32		tenants[HINT_MAX_TENANTS];
} Hint;

/* Hints whose transaction no snapshot has seen finished yet. */
static Hint *pending = NULL;
static int	npending = 0;

/*
 * Hints applied in this transaction, kept while some snapshot the backend
 * holds may not see their transaction yet.
 */
static Hint *applied = NULL;
static int	napplied = 0;

/*
 * Hints were lost (queue reset, a list full, a batch that did not parse):
 * every cache is checked until a snapshot sees every transaction that could
 * have sent one finished.
 */
static bool lost = false;
static TransactionId lost_before = InvalidTransactionId;

/*
 * Hints sent before this backend listened (before it started, or before
 * the library was loaded) never reach it: until then, everything counts as
 * lost.
 */
static bool listening = false;

/* Parser of incoming batches. */
typedef enum
{
	PARSE_IDLE,
	PARSE_XID,
	PARSE_COUNT,
	PARSE_TENANTS,
	PARSE_CHECK
} ParseState;

static ParseState parse_state = PARSE_IDLE;
static Hint incoming;
static int	incoming_expected;

/* The 32-bit key a tenant is known by in hints (never 0: hash value 0 means "everything"). */
uint32
hints_tenant_key(int64 tenant)
{
	return (uint32) ((uint64) tenant % (uint64) 0xFFFFFFFE) + 1;
}

/* The checksum closing a batch (never 0). */
static uint32
batch_checksum(TransactionId xid, bool all, int ntenants, const uint32 *tenants)
{
	uint32		h = 2166136261u ^ xid;
	int			i;

	h = (h ^ (all ? 0xA11u : (uint32) ntenants)) * 16777619u;
	for (i = 0; i < ntenants; i++)
		h = (h ^ tenants[i]) * 16777619u;
	return h | 1;
}

/* Everything pending or arriving is no longer vouched for. */
static void
hints_lost(void)
{
	TransactionId next = XidFromFullTransactionId(ReadNextFullTransactionId());

	if (!lost || TransactionIdFollows(next, lost_before))
		lost_before = next;
	lost = true;
	npending = 0;
	parse_state = PARSE_IDLE;
}

/* Appends a hint to a list of HINT_MAX_HINTS; false when it is full. */
static bool
append_hint(Hint **list, int *n, const Hint *h)
{
	if (*list == NULL)
		*list = MemoryContextAlloc(TopMemoryContext, HINT_MAX_HINTS * sizeof(Hint));
	if (*n == HINT_MAX_HINTS)
		return false;
	(*list)[(*n)++] = *h;
	return true;
}

/* Syscache callback: reads hint batches out of the invalidation stream. */
static void
hints_syscache_callback(Datum arg, int cacheid, uint32 value)
{
	if (value == 0)
	{
		/* a reset of this backend's queue position, or a flush of everything */
		hints_lost();
		return;
	}
	switch (parse_state)
	{
		case PARSE_IDLE:
			if (value == HINT_HEADER)
			{
				memset(&incoming, 0, sizeof(incoming));
				parse_state = PARSE_XID;
			}
			break;
		case PARSE_XID:
			incoming.xid = (TransactionId) value;
			parse_state = PARSE_COUNT;
			break;
		case PARSE_COUNT:
			incoming_expected = (int) value - 1;
			if (incoming_expected <= 0 || incoming_expected > HINT_MAX_TENANTS)
			{
				incoming.all = true;
				parse_state = PARSE_CHECK;
			}
			else
				parse_state = PARSE_TENANTS;
			break;
		case PARSE_TENANTS:
			incoming.tenants[incoming.ntenants++] = value;
			if (incoming.ntenants == incoming_expected)
				parse_state = PARSE_CHECK;
			break;
		case PARSE_CHECK:
			parse_state = PARSE_IDLE;
			if (value != batch_checksum(incoming.xid, incoming.all,
												 incoming.ntenants, incoming.tenants) ||
				!TransactionIdIsNormal(incoming.xid) ||
				!append_hint(&pending, &npending, &incoming))
				hints_lost();
			break;
	}
}

/* Applied hints are kept only within the transaction (every later snapshot sees their transactions). */
static void
hints_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
		napplied = 0;
}

/* Registers the callbacks; called once from _PG_init. */
void
hints_init(void)
{
	CacheRegisterSyscacheCallback(HINT_CACHE, hints_syscache_callback, (Datum) 0);
	RegisterXactCallback(hints_xact_callback, NULL);
}

/* Appends one catalog cache message carrying a value. */
static void
add_message(SharedInvalidationMessage *msgs, int *n, uint32 value)
{
	SharedInvalidationMessage *m = &msgs[(*n)++];

	memset(m, 0, sizeof(*m));
	m->cc.id = (int8) HINT_CACHE;
	m->cc.dbId = MyDatabaseId;
	m->cc.hashValue = value;
}

/*
 * Sends the hint of the committing transaction: its top transaction id and
 * the tenants whose epochs it moved.  Called before the commit is visible.
 */
void
hints_send(const int64 *tenants, int ntenants)
{
	SharedInvalidationMessage msgs[HINT_BATCH];
	uint32		keys[HINT_MAX_TENANTS];
	TransactionId xid = GetTopTransactionIdIfAny();
	bool		all = ntenants > HINT_MAX_TENANTS;
	int			n = 0;
	int			i;

	if (!TransactionIdIsValid(xid) || ntenants == 0)
		return;
	if (all)
		ntenants = 0;
	for (i = 0; i < ntenants; i++)
		keys[i] = hints_tenant_key(tenants[i]);
	add_message(msgs, &n, HINT_HEADER);
	add_message(msgs, &n, (uint32) xid);
	add_message(msgs, &n, (uint32) (all ? 1 : ntenants + 1));
	for (i = 0; i < ntenants; i++)
		add_message(msgs, &n, keys[i]);
	add_message(msgs, &n, batch_checksum(xid, all, ntenants, keys));
	SendSharedInvalidMessages(msgs, n);
}

/* Whether a snapshot sees the transaction of a hint finished (for a barrier: every earlier one). */
static bool
sees(Snapshot snapshot, const Hint *h)
{
	if (h->barrier)
		return TransactionIdPrecedes(h->xid, snapshot->xmin);
	return !XidInMVCCSnapshot(h->xid, snapshot);
}

/* Whether a hint names one of the keys. */
static bool
names_any(const Hint *h, const uint32 *keys, int nkeys)
{
	int			i,
				j;

	if (h->all)
		return true;
	for (i = 0; i < h->ntenants; i++)
		for (j = 0; j < nkeys; j++)
			if (h->tenants[i] == keys[j])
				return true;
	return false;
}

/*
 * Takes in the hints sent so far and hands every one whose transaction the
 * snapshot sees finished to mark (with the tenants it names, or all), then
 * keeps it as applied.  While hints are lost, mark gets "all" at every call
 * until the snapshot sees every transaction that could have sent a lost
 * one finished.
 */
void
hints_apply(Snapshot snapshot, hints_mark_fn mark)
{
	int			i,
				j;

	if (!listening)
	{
		hints_lost();
		listening = true;
	}
	AcceptInvalidationMessages();

	/* applied hints every snapshot the backend holds sees need no keeping */
	if (TransactionIdIsNormal(MyProc->xmin))
	{
		for (i = 0, j = 0; i < napplied; i++)
			if (!TransactionIdPrecedes(applied[i].xid, MyProc->xmin))
				applied[j++] = applied[i];
		napplied = j;
	}

	for (i = 0, j = 0; i < npending; i++)
	{
		Hint	   *h = &pending[i];

		if (!sees(snapshot, h))
			pending[j++] = *h;	/* still running as the snapshot sees it */
		else
		{
			mark(h->tenants, h->ntenants, h->all);
			if (!append_hint(&applied, &napplied, h))
				hints_lost();
		}
	}
	npending = j;
	if (lost)
	{
		mark(NULL, 0, true);
		if (TransactionIdPrecedes(lost_before, snapshot->xmin))
		{
			Hint		barrier;

			/* a snapshot older than this one may still miss a lost hint */
			memset(&barrier, 0, sizeof(barrier));
			barrier.xid = lost_before;
			barrier.all = true;
			barrier.barrier = true;
			lost = !append_hint(&applied, &napplied, &barrier);
		}
	}
}

/*
 * Whether hints vouch for a cache of the given tenants under a snapshot:
 * they run on this server (not a standby), none were lost, and the snapshot
 * sees every applied hint that names one of the tenants (one it misses
 * would be gone from the pending list without the snapshot seeing it).
 */
bool
hints_vouch_for(Snapshot snapshot, const uint32 *keys, int nkeys)
{
	int			i;

	if (!listening || lost || RecoveryInProgress())
		return false;
	for (i = 0; i < napplied; i++)
		if (names_any(&applied[i], keys, nkeys) && !sees(snapshot, &applied[i]))
			return false;
	return true;
}
