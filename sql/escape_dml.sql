--
-- Escape attempts through data-changing SQL: RETURNING on refused rows,
-- INSERT ... ON CONFLICT against a hidden row, MERGE, moving a row to a
-- performer or account out of reach, COPY, and forging created_by.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
-- details name ids, which differ from run to run
\set VERBOSITY terse

-- fixture: account E with performers V (granted to the user, tier2) and H
-- (hidden from it); account X with performer XH.  Hidden counts are >= 1000.
CREATE ROLE regress_escd_user;
GRANT permissions_client TO regress_escd_user;
SELECT permissions.create_account('regress escd E') AS e \gset
SELECT permissions.create_account('regress escd X') AS x \gset
SELECT permissions.create_user(:e, 'regress_escd_user', db_role => 'regress_escd_user') AS me \gset
SELECT permissions.create_user(:e, 'regress_escd_other') AS other \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'V') RETURNING id AS v \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:e, 'H') RETURNING id AS h \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:x, 'XH') RETURNING id AS xh \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:e, 'counts') RETURNING id AS pe \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:x, 'counts') RETURNING id AS px \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :v, :pe) RETURNING id AS cv \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:e, :h, :pe) RETURNING id AS ch \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:x, :xh, :px) RETURNING id AS cx \gset
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count) VALUES
    (:e, :v, :cv, '2024-02-01', 1), (:e, :v, :cv, '2024-02-02', 2),
    (:e, :h, :ch, '2024-02-01', 1001), (:e, :h, :ch, '2024-02-02', 1002),
    (:x, :xh, :cx, '2024-02-01', 2001);
SELECT min(id) FILTER (WHERE count = 1) AS vm1, min(id) FILTER (WHERE count = 2) AS vm2,
       min(id) FILTER (WHERE count = 1001) AS hm1, min(id) FILTER (WHERE count = 2001) AS xm1
  FROM permissions.measurements WHERE chart_id IN (:cv, :ch, :cx) \gset
INSERT INTO permissions.journals (account_id, performer_id, body, created_by)
    VALUES (:e, :v, 'someone else''s entry', :other) RETURNING id AS vj \gset
SELECT permissions.grant_access('tier2', user_id => :me, performer_id => :v) IS NOT NULL AS granted;
-- the DBA's view of the data, to compare with after each attempt
CREATE TEMP VIEW all_counts AS
SELECT string_agg(count::text, ' ' ORDER BY count) AS counts
  FROM permissions.measurements WHERE chart_id IN (:cv, :ch, :cx);
SELECT * FROM all_counts;

SET ROLE regress_escd_user;
SELECT count FROM permissions.measurements ORDER BY count;

-- RETURNING shows nothing of rows the command may not touch
UPDATE permissions.measurements SET count = count WHERE performer_id = :h RETURNING count;
UPDATE permissions.measurements SET count = count WHERE id = :xm1 RETURNING count;
DELETE FROM permissions.measurements WHERE id IN (:hm1, :xm1) RETURNING count;
-- (a journal the user sees but may not edit: still nothing)
UPDATE permissions.journals SET body = body WHERE id = :vj RETURNING body;
DELETE FROM permissions.journals WHERE id = :vj RETURNING body;
-- a blanket UPDATE returns and changes only the user's own performer's rows
UPDATE permissions.measurements SET count = count + 10 RETURNING count;

-- INSERT ... ON CONFLICT on a hidden row's key: explicit ids are the
-- database's, so every form is refused before any row is met
INSERT INTO permissions.measurements (id, account_id, performer_id, chart_id, measured_on, count)
VALUES (:hm1, :e, :v, :cv, '2024-02-09', 5)
ON CONFLICT (id) DO UPDATE SET count = 0 RETURNING count;
INSERT INTO permissions.measurements (id, account_id, performer_id, chart_id, measured_on, count)
VALUES (:hm1, :e, :v, :cv, '2024-02-09', 5)
ON CONFLICT (id) DO UPDATE SET count = excluded.count WHERE false RETURNING count;
INSERT INTO permissions.measurements (id, account_id, performer_id, chart_id, measured_on, count)
VALUES (:hm1, :e, :v, :cv, '2024-02-09', 5)
ON CONFLICT (id) DO NOTHING RETURNING count;
-- (since 1.1 a client cannot choose an id at all: each statement above is
-- refused for naming one, whoever's row it would meet)

-- MERGE: hidden rows are never matched, so they are neither updated nor
-- deleted; inserting for a hidden performer is refused
MERGE INTO permissions.measurements m
USING (VALUES (:hm1::bigint), (:xm1::bigint), (:vm2::bigint)) AS s(id) ON m.id = s.id
WHEN MATCHED THEN UPDATE SET count = m.count + 100
WHEN NOT MATCHED THEN DO NOTHING;
MERGE INTO permissions.measurements m
USING (VALUES (:hm1::bigint), (:xm1::bigint)) AS s(id) ON m.id = s.id
WHEN MATCHED THEN DELETE;
MERGE INTO permissions.measurements m
USING (VALUES (:h::bigint, :ch::bigint)) AS s(performer_id, chart_id) ON false
WHEN NOT MATCHED THEN INSERT (account_id, performer_id, chart_id, measured_on, count)
    VALUES (:e, s.performer_id, s.chart_id, '2024-02-10', 7);
SELECT count FROM permissions.measurements ORDER BY count;

-- moving a row out of reach: to a hidden performer of the same account, or
-- to another account, is refused by WITH CHECK (or the foreign key)
UPDATE permissions.measurements SET performer_id = :h, chart_id = :ch WHERE id = :vm1;
UPDATE permissions.measurements SET account_id = :x, performer_id = :xh, chart_id = :cx WHERE id = :vm1;
UPDATE permissions.measurements SET account_id = :x WHERE id = :vm1;
UPDATE permissions.measurements SET chart_id = :ch WHERE id = :vm1;

-- COPY out shows only visible rows; COPY in is refused under row-level security
COPY (SELECT count FROM permissions.measurements ORDER BY count) TO STDOUT;
COPY permissions.measurements (count) TO STDOUT;
COPY permissions.measurements (account_id, performer_id, chart_id, measured_on, count) FROM STDIN;
1	1	1	2024-02-12	1
\.
-- nor can the user empty the table behind the policies' back
TRUNCATE permissions.measurements;

-- created_by cannot be forged: on INSERT it is the inserting user, and an
-- UPDATE leaves it as it was
INSERT INTO permissions.measurements (account_id, performer_id, chart_id, measured_on, count, created_by)
VALUES (:e, :v, :cv, '2024-02-11', 8, :other) RETURNING count, created_by = :me AS stamped_as_me;
INSERT INTO permissions.journals (account_id, performer_id, body, created_by)
VALUES (:e, :v, 'mine', :other) RETURNING created_by = :me AS stamped_as_me;
UPDATE permissions.measurements SET created_by = :other WHERE count = 8 RETURNING created_by = :me AS still_me;
-- its own journal entry cannot be moved out of reach either
UPDATE permissions.journals SET performer_id = :h WHERE body = 'mine';
UPDATE permissions.journals SET account_id = :x, performer_id = :xh WHERE body = 'mine';
RESET ROLE;

-- the DBA sees every hidden row as it was (1001, 1002, 2001)
SELECT * FROM all_counts;
SELECT body, created_by = :me AS by_me FROM permissions.journals WHERE performer_id = :v ORDER BY id;

-- clean up
UPDATE permissions.users SET db_role = NULL WHERE account_id = :e;
DROP ROLE regress_escd_user;
