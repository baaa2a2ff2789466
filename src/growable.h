/*
 * growable.h
 *		Arrays that grow by doubling, and the one most of the extension
 *		collects into: a buffer of int64 ids.
 */
#ifndef PERMISSIONS_GROWABLE_H
#define PERMISSIONS_GROWABLE_H

#include "utils/memutils.h"

/*
 * Makes room for one more element in *items (n used of *cap, each elsize
 * bytes): the first allocation is made in cxt (the current context when
 * cxt is NULL), later ones stay in the context of the first.
 */
static inline void
growable_reserve(void **items, int n, int *cap, Size elsize, MemoryContext cxt)
{
	if (n < *cap)
		return;
	*cap = *cap > 0 ? *cap * 2 : 16;
	if (*items == NULL)
		*items = MemoryContextAlloc(cxt != NULL ? cxt : CurrentMemoryContext,
									*cap * elsize);
	else
		*items = repalloc(*items, *cap * elsize);
}

/* A growing buffer of ids; zero-initialized it is empty. */
typedef struct IdBuffer
{
	int64	   *ids;
	int			n;
	int			cap;
} IdBuffer;

/* Appends an id (the buffer's memory is in the current context). */
static inline void
idbuf_add(IdBuffer *b, int64 id)
{
	growable_reserve((void **) &b->ids, b->n, &b->cap, sizeof(int64), NULL);
	b->ids[b->n++] = id;
}

#endif							/* PERMISSIONS_GROWABLE_H */
