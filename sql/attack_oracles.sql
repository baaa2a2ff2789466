--
-- Attacks, class "helpers and errors that describe what the caller cannot
-- see": the same answer and the same error for "hidden" and "missing".
-- Each pair below asks about a row of tenant B and about a row that does
-- not exist; the answers must be equal.  Each test passes when the attack
-- fails.  (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
INSERT INTO permissions.teams (account_id, name) VALUES (:b, 'team b') RETURNING id AS team_b \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'reads') RETURNING id AS pin_b \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'reads') RETURNING id AS pin_a \gset
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:a, :pa1, 'Q1') RETURNING id AS rev_a \gset
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:b, :pb1, 'Q1') RETURNING id AS rev_b \gset
SELECT id AS cid_b FROM permissions.api_credentials WHERE user_id = :pool_b \gset
\set missing 999999999

-- Finding 12: definer helpers answered anyone inside any trigger (one's
-- own, on a temp table).  Every helper still callable, asked from a
-- trigger of one's own, about B and about nothing.
SET ROLE regress_atk_lim_a;
CREATE TABLE regress_atk_own.probe (b_or_missing bigint, user_id bigint, answers text);
\set ECHO none
SELECT format($f$CREATE FUNCTION regress_atk_own.probe_trg() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.answers := concat_ws(' ',
        permissions.username_taken(%s, 'mgr', NULL),
        permissions.user_in_account(NEW.user_id, %s),
        permissions.team_grants_beyond_caller(NEW.b_or_missing),
        permissions.account_being_deleted(%s),
        permissions.is_review_participant(NEW.b_or_missing),
        permissions.is_member(%s), permissions.manages(%s), permissions.in_account(%s),
        permissions.holds('manage_users', %s), permissions.current_tier(%s, NEW.b_or_missing));
    RETURN NEW;
END $$$f$, :b, :b, :b, :b, :b, :b, :b, :b) \gexec
\set ECHO all
CREATE TRIGGER probe BEFORE INSERT ON regress_atk_own.probe FOR EACH ROW EXECUTE FUNCTION regress_atk_own.probe_trg();
INSERT INTO regress_atk_own.probe (b_or_missing, user_id) VALUES (:team_b, :mgr_b), (:missing, :missing);
SELECT answers, count(*) FROM regress_atk_own.probe GROUP BY answers;
-- the 1.0 helpers are gone; the definer trigger functions cannot be
-- called, nor attached to a table of one's own
SELECT permissions.grantee_user_type(:mgr_b);
SELECT permissions.invitation_within_inviter(:pool_b, :mgr_b);
SELECT permissions.users_keep_a_manager();
CREATE TRIGGER borrow BEFORE INSERT ON regress_atk_own.probe FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_grantee();
-- ... and one attached elsewhere by a superuser refuses to run there
RESET ROLE;
CREATE TABLE regress_atk_own.borrowed (x int);
CREATE TRIGGER borrow BEFORE INSERT ON regress_atk_own.borrowed FOR EACH ROW EXECUTE FUNCTION permissions.grants_check_grantee();
INSERT INTO regress_atk_own.borrowed VALUES (1);
DROP TRIGGER borrow ON regress_atk_own.borrowed;
-- ... and so does every SECURITY DEFINER trigger function of the extension
-- (but audit_change(), the audit trigger of many tables, which only writes
-- audit_log): each attached to a table of one's own, with a row to fire on
CREATE FUNCTION regress_atk_own.borrow_each() RETURNS TABLE (fn text, outcome text)
LANGUAGE plpgsql AS $$
DECLARE
    f regprocedure;
    msg text;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p
              WHERE p.pronamespace = 'permissions'::regnamespace AND p.prosecdef
                AND p.prorettype = 'trigger'::regtype
                AND p.oid <> 'permissions.audit_change()'::regprocedure
              ORDER BY 1
    LOOP
        fn := f::text;
        EXECUTE format('CREATE TRIGGER borrow BEFORE INSERT ON regress_atk_own.borrowed FOR EACH ROW EXECUTE FUNCTION %s', f);
        BEGIN
            INSERT INTO regress_atk_own.borrowed VALUES (1);
            outcome := 'ran';
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
            outcome := CASE WHEN msg LIKE f::text || ' is a trigger of permissions.% only'
                            THEN 'refused' ELSE msg END;
        END;
        EXECUTE 'DROP TRIGGER borrow ON regress_atk_own.borrowed';
        RETURN NEXT;
    END LOOP;
END $$;
SELECT outcome, count(*) FROM regress_atk_own.borrow_each() GROUP BY outcome;
SELECT * FROM regress_atk_own.borrow_each() WHERE outcome <> 'refused';
DROP FUNCTION regress_atk_own.borrow_each();
DROP TABLE regress_atk_own.borrowed;
SET ROLE regress_atk_lim_a;
-- the functions that take a user: the same refusal for B's user and none
SELECT regress_atk_own.try(format('SELECT * FROM permissions.explain_access(%s, %s)', :mgr_b, :pb1)) AS explain_b,
       regress_atk_own.try(format('SELECT * FROM permissions.explain_access(%s, %s)', :missing, :pb1)) AS explain_missing;
SELECT regress_atk_own.try(format('SELECT permissions.effective_tier(%s, %s)', :pb1, :mgr_b))
     = regress_atk_own.try(format('SELECT permissions.effective_tier(%s, %s)', :pb1, :missing)) AS same_tier_error,
       regress_atk_own.try(format('SELECT permissions.check(%L, %L, %s, %s)', 'view', 'note', :pb1, :lim_b))
     = regress_atk_own.try(format('SELECT permissions.check(%L, %L, %s, %s)', 'view', 'note', :pb1, :missing)) AS same_check_error;
RESET ROLE;

-- Finding 13: rule errors described other tenants.  Second round: adding
-- a participant to a review of B fails differently from adding one to a
-- review that does not exist (review ids of other tenants are told).  As A's manager: a
-- grant to B's users, a review participant from B, a user or invitation
-- in B, a credential of B, a chart on B's pinpoint, a tag on B's user.
SET ROLE regress_atk_mgr_a;
CREATE TEMP TABLE pairs (what text, about_b text, about_missing text);
INSERT INTO pairs SELECT 'grant to user', regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)', 'tier4', x, :pa1)),
                         regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)', 'tier4', :missing, :pa1))
  FROM unnest(ARRAY[:par_b, :ro_b, :mgr_b]) x;
INSERT INTO pairs SELECT 'grant to team', regress_atk_own.try(format('SELECT permissions.grant_access(%L, team_id => %s, performer_id => %s)', 'tier4', :team_b, :pa1)),
                         regress_atk_own.try(format('SELECT permissions.grant_access(%L, team_id => %s, performer_id => %s)', 'tier4', :missing, :pa1));
INSERT INTO pairs SELECT 'grant on performer', regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)', 'tier4', :lim_a, :pb1)),
                         regress_atk_own.try(format('SELECT permissions.grant_access(%L, user_id => %s, performer_id => %s)', 'tier4', :lim_a, :missing));
INSERT INTO pairs SELECT 'review participant', regress_atk_own.try(format('INSERT INTO permissions.review_participants (review_id, account_id, user_id) VALUES (%s, %s, %s)', :rev_a, :a, :par_b)),
                         regress_atk_own.try(format('INSERT INTO permissions.review_participants (review_id, account_id, user_id) VALUES (%s, %s, %s)', :rev_a, :a, :missing));
INSERT INTO pairs SELECT 'participant of B''s review', regress_atk_own.try(format('INSERT INTO permissions.review_participants (review_id, account_id, user_id) VALUES (%s, %s, %s)', :rev_b, :a, :lim_a)),
                         regress_atk_own.try(format('INSERT INTO permissions.review_participants (review_id, account_id, user_id) VALUES (%s, %s, %s)', :missing, :a, :lim_a));
INSERT INTO pairs SELECT 'create user', regress_atk_own.try(format('SELECT permissions.create_user(%s, %L)', :b, 'x')),
                         regress_atk_own.try(format('SELECT permissions.create_user(%s, %L)', :missing, 'x'));
INSERT INTO pairs SELECT 'invite user', regress_atk_own.try(format('SELECT permissions.invite_user(%s, %L)', :b, 'x@example.org')),
                         regress_atk_own.try(format('SELECT permissions.invite_user(%s, %L)', :missing, 'x@example.org'));
INSERT INTO pairs SELECT 'reissue invitation', regress_atk_own.try(format('SELECT permissions.reissue_invitation(%s)', :pool_b)),
                         regress_atk_own.try(format('SELECT permissions.reissue_invitation(%s)', :missing));
INSERT INTO pairs SELECT 'remove user', regress_atk_own.try(format('SELECT permissions.remove_user(%s)', :mgr_b)),
                         regress_atk_own.try(format('SELECT permissions.remove_user(%s)', :missing));
INSERT INTO pairs SELECT 'credential for user', regress_atk_own.try(format('SELECT permissions.create_api_credential(%s, %L)', :pool_b, 'x')),
                         regress_atk_own.try(format('SELECT permissions.create_api_credential(%s, %L)', :missing, 'x'));
INSERT INTO pairs SELECT 'delete credential', regress_atk_own.try(format('SELECT permissions.delete_api_credential(%s)', :cid_b)),
                         regress_atk_own.try(format('SELECT permissions.delete_api_credential(%s)', :missing));
INSERT INTO pairs SELECT 'chart on pinpoint', regress_atk_own.try(format('INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (%s, %s, %s)', :a, :pa1, :pin_b)),
                         regress_atk_own.try(format('INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (%s, %s, %s)', :a, :pa1, :missing));
INSERT INTO pairs SELECT 'transfer performer', regress_atk_own.try(format('SELECT permissions.transfer_performer(%s, %s)', :pb1, :a)),
                         regress_atk_own.try(format('SELECT permissions.transfer_performer(%s, %s)', :missing, :a));
INSERT INTO pairs SELECT 'move account', regress_atk_own.try(format('SELECT permissions.move_account(%s, %s)', :b1, :a)),
                         regress_atk_own.try(format('SELECT permissions.move_account(%s, %s)', :missing, :a));
INSERT INTO pairs SELECT 'usage report', regress_atk_own.try(format('SELECT permissions.usage_report(%s)', :b)),
                         regress_atk_own.try(format('SELECT permissions.usage_report(%s)', :missing));
SELECT what, about_b = about_missing AS same, about_b FROM pairs ORDER BY what, about_b;
SELECT what, about_missing FROM pairs WHERE about_b <> about_missing ORDER BY what;
RESET ROLE;

-- Second round: explicit ids through a view default (see attack_ids) tell
-- whether an id is taken in another tenant: an insert meeting B's
-- performer fails (or does nothing, with ON CONFLICT DO NOTHING), one
-- with a free id succeeds.  Expected: the same outcome for both.
SET ROLE regress_atk_lim_a;
CREATE VIEW regress_atk_own.perf AS SELECT * FROM permissions.performers;
BEGIN;
ALTER VIEW regress_atk_own.perf ALTER COLUMN id SET DEFAULT :pb1;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.perf (account_id, first_name) VALUES (%s, %L)', :a, 'x')) AS b_id \gset
ALTER VIEW regress_atk_own.perf ALTER COLUMN id SET DEFAULT :missing;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.perf (account_id, first_name) VALUES (%s, %L)', :a, 'x')) AS free_id \gset
ROLLBACK;
SELECT :'b_id' = :'free_id' AS same_outcome;
RESET ROLE;

\i sql/attack_teardown.inc
