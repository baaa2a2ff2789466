--
-- Attacks, class "ids chosen by the client": clients cannot choose ids of
-- shared tables, a tenant id is never reused, and nothing of a deleted
-- tenant becomes readable to whoever creates a row later.  Each test passes
-- when the attack fails.  (Fixture: sql/attack_fixture.inc.)
--
\i sql/attack_fixture.inc
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'reads') RETURNING id AS pin_a \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'reads') RETURNING id AS pin_b \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:a, :pa1, :pin_a) RETURNING id AS chart_a \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:b, :pb1, :pin_b) RETURNING id AS chart_b \gset
-- B1 has a user with an email: its audit history names it
SELECT permissions.create_user(:b1, 'gone', email => 'gone@b.example') AS gone_b \gset

-- Finding 11: explicit ids on insert (ids just above the sequence made
-- other tenants' inserts fail).  1.1: the id column is the database's.
SET ROLE regress_atk_lim_a;
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
VALUES (:a, :pa1, :chart_a, '2024-03-01', 1) RETURNING id AS m1 \gset
INSERT INTO permissions.measurements (id, account_id, performer_id, chart_id, measured_on, count)
SELECT g, :a, :pa1, :chart_a, '2024-03-02', 2 FROM generate_series(:m1 + 1, :m1 + 5) g;
UPDATE permissions.measurements SET id = :m1 + 1 WHERE id = :m1;
COPY permissions.measurements (id, account_id, performer_id, chart_id, measured_on, count) FROM STDIN;
999999	1	1	1	2024-03-03	3
\.
MERGE INTO permissions.measurements m USING (SELECT :m1 + 1 AS id) s ON m.id = s.id
WHEN NOT MATCHED THEN INSERT (id, account_id, performer_id, chart_id, measured_on, count)
VALUES (s.id, :a, :pa1, :chart_a, '2024-03-04', 4);
-- Second round: a view of one's own with a column default on id chooses the id all
-- the same: the privilege on the base table is checked for the columns the
-- INSERT names, and a view default is not one of them.  The next ids of
-- the shared sequence are taken, and tenant B's next insert fails.
CREATE VIEW regress_atk_own.meas AS SELECT * FROM permissions.measurements;
ALTER VIEW regress_atk_own.meas ALTER COLUMN id SET DEFAULT :m1 + 1;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.meas (account_id, performer_id, chart_id, measured_on, count)
                                   VALUES (%s, %s, %s, %L, 5)', :a, :pa1, :chart_a, '2024-03-05')) IS NOT NULL AS attempted;
SELECT count(*) AS rows_with_chosen_id FROM permissions.measurements WHERE id = :m1 + 1;
-- (UPDATE through the view names the column: refused)
UPDATE regress_atk_own.meas SET id = DEFAULT WHERE id = :m1;
RESET ROLE;
SET ROLE regress_atk_mgr_b;
SELECT regress_atk_own.try(format('INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count)
                                   VALUES (%s, %s, %s, %L, 7)', :b, :pb1, :chart_b, '2024-03-06')) AS b_inserts;
RESET ROLE;

-- Finding 3: another tenant's audit history through a reused account id.
-- B's sub-account B1 is deleted; its audit rows stay under its id.
SELECT permissions.delete_account(:b1, force => true);
SELECT count(*) > 0 AS b1_history_kept FROM permissions.audit_log WHERE account_id = :b1;
-- a DBA giving the id explicitly is stopped
SELECT regress_atk_own.try(format('INSERT INTO permissions.accounts (id, name, parent_id) VALUES (%s, %L, %s)',
                                  :b1, 'reuse', :a)) AS dba_reuse;
SET ROLE regress_atk_mgr_a;
-- a manager cannot name the id
INSERT INTO permissions.accounts (id, name, parent_id) VALUES (:b1, 'reuse', :a);
SELECT permissions.create_account('regress atk A2', parent_id => :a) <> :b1 AS new_id;
-- Second round: through a view default it can, and then reads B's audit history
-- (the user's email) as the manager of the new sub-account
CREATE VIEW regress_atk_own.acc AS SELECT * FROM permissions.accounts;
ALTER VIEW regress_atk_own.acc ALTER COLUMN id SET DEFAULT :b1;
SELECT regress_atk_own.try(format('INSERT INTO regress_atk_own.acc (name, parent_id) VALUES (%L, %s)', 'reuse', :a)) IS NOT NULL AS attempted;
SELECT count(*) AS b_audit_rows_seen, coalesce(string_agg(DISTINCT after->>'email', ','), 'none') AS emails_seen
  FROM permissions.audit_log WHERE account_id = :b1;
RESET ROLE;
-- the DBA's view: the account id B1 had stays unused
SELECT count(*) AS accounts_with_b1_id FROM permissions.accounts WHERE id = :b1;
DELETE FROM permissions.accounts WHERE id = :b1;

-- ids of the other shared tables: no explicit id anywhere
SET ROLE regress_atk_mgr_a;
INSERT INTO permissions.users (id, account_id, username) VALUES (:mgr_b, :a, 'x');
INSERT INTO permissions.access_grants (id, account_id, user_id, performer_id, tier) VALUES (:g_lim_b, :a, :lim_a, :pa2, 'tier4');
INSERT INTO permissions.api_credentials (id, account_id, user_id, name, secret_hash)
VALUES (1, :a, :lim_a, 'x', sha256('x'));
INSERT INTO permissions.pinpoints (id, account_id, name) VALUES (:pin_b, :a, 'x');
UPDATE permissions.performers SET id = :pb2 WHERE id = :pa2;
-- other unique keys than the id meet only one's own rows: a username
-- taken in B is free in A, and ON CONFLICT on it cannot reach B's row
INSERT INTO permissions.users (account_id, username) VALUES (:a, 'pooled')
ON CONFLICT (account_id, username) DO UPDATE SET email = 'x' RETURNING username;
INSERT INTO permissions.users (account_id, username) VALUES (:b, 'pooled')
ON CONFLICT (account_id, username) DO UPDATE SET email = 'x' RETURNING username;
RESET ROLE;
SELECT email FROM permissions.users WHERE id = :pool_b;

\i sql/attack_teardown.inc
