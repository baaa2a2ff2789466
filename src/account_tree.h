/*
 * account_tree.h
 *		Walks of the account tree: up to an account's tenant, down over a
 *		manager's subtree.
 */
#ifndef PERMISSIONS_ACCOUNT_TREE_H
#define PERMISSIONS_ACCOUNT_TREE_H

#include "utils/hsearch.h"
#include "utils/snapshot.h"

/*
 * Deepest account tree either walk follows (trees are a few levels; account
 * edits refuse cycles, this bounds a walk should one exist all the same).
 */
#define ACCOUNT_TREE_MAX_DEPTH 1000

extern int64 account_tree_tenant(int64 account_id, Snapshot snapshot);
extern void account_tree_subtree(HTAB *set, int64 root, Snapshot snapshot,
								 void (*add) (HTAB *set, int64 account_id));

#endif							/* PERMISSIONS_ACCOUNT_TREE_H */
