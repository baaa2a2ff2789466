-- ---------------------------------------------------------------------------
-- Access review, explanation and the accounting of disclosures: the three
-- questions a clinic is asked about a client's data (who can see it, why was
-- this person allowed or refused, who did see it).
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.who_can(action text, kind text, performer_id bigint)
RETURNS TABLE (user_id bigint, tier permissions.tier, via text)
AS 'MODULE_PATHNAME', 'review_who_can'
LANGUAGE C STABLE PARALLEL SAFE ROWS 20;
COMMENT ON FUNCTION permissions.who_can(text, text, bigint) IS
'Every active user for whom check(action, kind, performer_id, user) is true ("own" cells count), with the effective tier and the routes giving it (manager, wildcard, direct, group, team, team on group). Superusers and holders of manage_users over the performer''s account only; anyone else gets one error for a hidden and a missing performer.';

CREATE FUNCTION permissions.access_review(account_id bigint)
RETURNS TABLE (performer_id bigint, performer_account_id bigint, user_id bigint,
               user_account_id bigint, tier permissions.tier, via text)
AS 'MODULE_PATHNAME', 'review_access_review'
LANGUAGE C STABLE PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION permissions.access_review(bigint) IS
'Periodic access review: one row per (performer, user) with the user''s effective tier and the routes giving it, for every performer of the account and its sub-accounts where the caller holds manage_users (superusers: all), and every active user reaching it, of whatever account. Export it with COPY (SELECT * FROM permissions.access_review(...)) TO STDOUT.';

CREATE FUNCTION permissions.explain_check(action text, kind text, performer_id bigint, user_id bigint DEFAULT NULL)
RETURNS TABLE (source text, tier permissions.tier, allowed boolean, detail text)
AS 'MODULE_PATHNAME', 'explain_check'
LANGUAGE C STABLE PARALLEL SAFE ROWS 8;
COMMENT ON FUNCTION permissions.explain_check(text, text, bigint, bigint) IS
'Why check(action, kind, performer_id, user_id) decides as it does: one row per rule considered (user type cap, manager, wildcard tier, each grant with its expiry, credential limit, matrix cell, own-row rule), then a row with source = ''decision'' whose allowed equals check(). About any user: superusers and holders of manage_users over the performer''s account; about yourself (user_id NULL): anyone.';
