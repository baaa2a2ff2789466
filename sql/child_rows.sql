--
-- A child row may leave its account and performer out: a measurement,
-- condition or note takes them from its chart, a chart, journal entry,
-- assessment or review from its performer, before row-level security
-- checks the row.  A parent the user cannot see is an error that says so,
-- the same for a hidden and a missing one.
--
\i sql/attack_fixture.inc
\set VERBOSITY default
\set SHOW_CONTEXT never
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:a, 'child') RETURNING id AS pin_a \gset
INSERT INTO permissions.pinpoints (account_id, name) VALUES (:b, 'child') RETURNING id AS pin_b \gset
INSERT INTO permissions.charts (account_id, performer_id, pinpoint_id) VALUES (:b, :pb1, :pin_b) RETURNING id AS chart_b \gset
INSERT INTO permissions.journal_types (account_id, name) VALUES (:a, 'child') RETURNING id AS jt_a \gset

-- A's manager: a chart takes its account from its performer
SET ROLE regress_atk_mgr_a;
INSERT INTO permissions.charts (performer_id, pinpoint_id) VALUES (:pa1, :pin_a) RETURNING id AS chart_a \gset
SELECT account_id = :a AS chart_account_filled FROM permissions.charts WHERE id = :chart_a;
-- A's limited user (tier3 on Ann): a measurement, note and condition take
-- theirs from the chart, a journal entry from its performer
SET ROLE regress_atk_lim_a;
INSERT INTO permissions.measurements (chart_id, measured_on, count) VALUES (:chart_a, '2024-05-01', 7)
RETURNING account_id = :a AS account_filled, performer_id = :pa1 AS performer_filled;
INSERT INTO permissions.notes (chart_id, body) VALUES (:chart_a, 'from the chart')
RETURNING account_id = :a AS account_filled, performer_id = :pa1 AS performer_filled;
INSERT INTO permissions.conditions (chart_id, starts_on, label) VALUES (:chart_a, '2024-05-01', 'baseline')
RETURNING account_id = :a AS account_filled, performer_id = :pa1 AS performer_filled;
INSERT INTO permissions.journals (performer_id, journal_type_id, body) VALUES (:pa1, :jt_a, 'from the performer')
RETURNING account_id = :a AS account_filled;
-- several rows at once
INSERT INTO permissions.measurements (chart_id, measured_on, count)
SELECT :chart_a, d, 1 FROM generate_series('2024-05-02'::date, '2024-05-04', '1 day') d;
-- a chart of another tenant and a chart that does not exist: one error
SELECT regress_atk_own.try(format('INSERT INTO permissions.measurements (chart_id, measured_on, count) VALUES (%s, %L, 1)', :chart_b, '2024-05-01')) AS hidden_chart,
       regress_atk_own.try(format('INSERT INTO permissions.measurements (chart_id, measured_on, count) VALUES (%s, %L, 1)', 999999999, '2024-05-01')) AS missing_chart;
\set VERBOSITY default
INSERT INTO permissions.measurements (chart_id, measured_on, count) VALUES (-1, '2024-05-01', 1);
\set VERBOSITY terse
-- a performer of another tenant likewise
SELECT regress_atk_own.try(format('INSERT INTO permissions.journals (performer_id, journal_type_id, body) VALUES (%s, %s, ''x'')', :pb1, :jt_a)) AS hidden_performer,
       regress_atk_own.try(format('INSERT INTO permissions.journals (performer_id, journal_type_id, body) VALUES (%s, %s, ''x'')', 999999999, :jt_a)) AS missing_performer;
-- given, they are the row's: a chart of A under B's account is refused as before
SELECT regress_atk_own.try(format('INSERT INTO permissions.measurements (account_id, chart_id, measured_on, count) VALUES (%s, %s, %L, 1)', :b, :chart_a, '2024-05-01')) AS mismatched_account;
SELECT count(*) AS measurements_of_ann FROM permissions.measurements WHERE performer_id = :pa1;
RESET ROLE;

\i sql/attack_teardown.inc
