--
-- Attack, round 4: access review and explanations from callers who may not
-- review: a role with no identity, a role that is not a client, users
-- without manage_users, another tenant's manager and users, an API
-- credential of another tenant, and a limited identity (a credential a
-- manager of A1 made for a user of A1 that a DBA also granted a performer
-- of A).  For each caller and each function, the answer about a performer
-- (or account) of A must be the answer about one that does not exist:
-- nothing tells a performer of another tenant, or beyond the identity's
-- limit, from a missing one.
--
\i sql/attack_fixture.inc
\set VERBOSITY terse
-- the limited identity: m1 manages A1; u1 (manage_users in A1) also holds
-- a DBA's tier1 grant on Ann (A); m1 makes a credential for u1
CREATE ROLE regress_atk4_m1 IN ROLE permissions_client;
SELECT permissions.create_user(:a1, 'm1', role => 'manager', db_role => 'regress_atk4_m1') AS m1 \gset
SELECT permissions.create_user(:a1, 'u1', permissions => '{manage_users}') AS u1 \gset
SELECT permissions.grant_access('tier1', user_id => :u1, performer_id => :pa1) > 0 AS granted;
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a1, 'Al') RETURNING id AS pa3 \gset
SET ROLE regress_atk4_m1;
SELECT permissions.create_api_credential(:u1, 'made by m1') AS cred_u1 \gset
RESET ROLE;
SELECT max(id) + 1000000 AS missing_acct FROM permissions.accounts \gset
SELECT max(id) + 1000000 AS missing_perf FROM permissions.performers \gset

-- runs a query as a role (after authenticating with a credential, if one is
-- given) and returns its first column, all rows joined, ids replaced by N;
-- or the error
CREATE FUNCTION regress_atk_own.answer(r name, cred text, q text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    result text;
BEGIN
    EXECUTE format('SET ROLE %I', r);
    BEGIN
        IF cred IS NOT NULL THEN
            PERFORM permissions.authenticate(cred);
        END IF;
        EXECUTE format('SELECT string_agg(x::text, '' | '') FROM (%s) s(x)', q) INTO result;
        result := coalesce(result, '(no rows)');
    EXCEPTION WHEN OTHERS THEN
        result := SQLSTATE || ': ' || SQLERRM;
    END;
    PERFORM permissions.logout();
    RESET ROLE;
    RETURN regexp_replace(result, '[0-9]+', 'N', 'g');
END
$$;

CREATE TEMP TABLE callers (caller text, r name, cred text);
INSERT INTO callers VALUES
    ('no identity', 'regress_atk_nobody', NULL),
    ('not a client', 'regress_atk_stranger', NULL),
    ('A single_performer', 'regress_atk_par_a', NULL),
    ('A read_only', 'regress_atk_ro_a', NULL),
    ('A limited', 'regress_atk_lim_a', NULL),
    ('B manager', 'regress_atk_mgr_b', NULL),
    ('B limited', 'regress_atk_lim_b', NULL),
    ('B credential', 'regress_atk_app', :'cred_b'),
    ('u1 through m1''s credential', 'regress_atk_app', :'cred_u1');
-- the questions, each about something of A and about something missing
CREATE TEMP TABLE questions (question text, about_a text, about_missing text);
INSERT INTO questions VALUES
    ('who_can', format('SELECT user_id FROM permissions.who_can(''view'', ''note'', %s)', :pa1),
                format('SELECT user_id FROM permissions.who_can(''view'', ''note'', %s)', :missing_perf)),
    ('access_review', format('SELECT performer_id FROM permissions.access_review(%s)', :a),
                      format('SELECT performer_id FROM permissions.access_review(%s)', :missing_acct)),
    ('explain_check about A''s manager',
        format('SELECT source || '': '' || detail FROM permissions.explain_check(''view'', ''note'', %s, %s)', :pa1, :mgr_a),
        format('SELECT source || '': '' || detail FROM permissions.explain_check(''view'', ''note'', %s, %s)', :missing_perf, :mgr_a)),
    ('explain_check about oneself',
        format('SELECT source || '': '' || allowed || '' '' || regexp_replace(detail, ''performer [0-9]+'', ''performer P'') FROM permissions.explain_check(''view'', ''note'', %s)', :pa1),
        format('SELECT source || '': '' || allowed || '' '' || regexp_replace(detail, ''performer [0-9]+'', ''performer P'') FROM permissions.explain_check(''view'', ''note'', %s)', :missing_perf)),
    ('check', format('SELECT permissions.check(''view'', ''note'', %s)', :pa1),
              format('SELECT permissions.check(''view'', ''note'', %s)', :missing_perf));
-- every caller, every question: the same answer for A's and a missing one
-- (but for the read_only and limited users of A, who reach Ann: their own
-- check() and explanation say so, and only those)
SELECT c.caller, q.question,
       regress_atk_own.answer(c.r, c.cred, q.about_a) = regress_atk_own.answer(c.r, c.cred, q.about_missing) AS same_answer
  FROM callers c, questions q
 ORDER BY c.caller, q.question;
-- what they were told about A's performer
SELECT c.caller, q.question, regress_atk_own.answer(c.r, c.cred, q.about_a) AS answer
  FROM callers c, questions q
 WHERE q.question IN ('who_can', 'check')
 ORDER BY c.caller, q.question;
-- the limited identity reviews A1, where u1 holds manage_users: Al, and
-- nothing of A's performers
SELECT regress_atk_own.answer('regress_atk_app', :'cred_u1',
    format('SELECT DISTINCT performer_id = %s FROM permissions.access_review(%s)', :pa3, :a1)) AS only_al;
-- u1 itself (not limited) reaches Ann; a DBA sees it
SELECT permissions.check('view', 'note', :pa1, :u1) AS u1_reaches_ann;

DROP TABLE callers, questions;
SELECT permissions.delete_account(:a1, force => true);
DROP ROLE regress_atk4_m1;
\i sql/attack_teardown.inc
