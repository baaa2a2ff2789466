-- bench/sql/report.sql
--	  Prints the results as markdown.  psql variables: scale, ab_limit,
--	  iterations.

\set ON_ERROR_STOP on
\pset format unaligned
\pset tuples_only on
\pset footer off
SET client_min_messages = warning;

CREATE TEMP VIEW med AS
SELECT qname, variant,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY planning_ms) AS plan_ms,
       count(*) AS n
  FROM bench.samples WHERE mode = 'custom' GROUP BY qname, variant;

CREATE TEMP VIEW gmed AS
SELECT qname, variant,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY planning_ms) AS plan_ms,
       count(*) AS n
  FROM bench.samples WHERE mode = 'generic' GROUP BY qname, variant;

CREATE TEMP VIEW summary AS
SELECT q.ord, q.qname, q.who, q.restricted, q.target,
       (SELECT rows FROM bench.checks k WHERE k.qname = q.qname AND k.variant = 'a') AS rows,
       a.ms AS a_ms, b.ms AS b_ms, c.ms AS c_ms, d.ms AS d_ms, c.n AS c_n, d.n AS d_n,
       e.ms AS e_ms, f.ms AS f_ms,
       a.ms / nullif(b.ms, 0) AS ab, c.ms / nullif(a.ms, 0) AS ca, d.ms / nullif(a.ms, 0) AS da,
       e.ms / nullif(a.ms, 0) AS ea, f.ms / nullif(a.ms, 0) AS fa,
       (SELECT indexes FROM bench.samples s WHERE s.mode = 'custom' AND s.qname = q.qname AND s.variant = 'a' AND s.iter = 1) AS a_idx,
       (SELECT indexes FROM bench.samples s WHERE s.mode = 'custom' AND s.qname = q.qname AND s.variant = 'b' AND s.iter = 1) AS b_idx
  FROM (SELECT DISTINCT ord, qname, who, restricted, target FROM bench.queries) q
  LEFT JOIN med a ON a.qname = q.qname AND a.variant = 'a'
  LEFT JOIN med b ON b.qname = q.qname AND b.variant = 'b'
  LEFT JOIN med c ON c.qname = q.qname AND c.variant = 'c'
  LEFT JOIN med d ON d.qname = q.qname AND d.variant = 'd'
  LEFT JOIN med e ON e.qname = q.qname AND e.variant = 'e'
  LEFT JOIN med f ON f.qname = q.qname AND f.variant = 'f';

CREATE TEMP VIEW cold AS
SELECT qname, kind, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms, count(*) AS n
  FROM bench.cold GROUP BY qname, kind;

CREATE TEMP VIEW tput AS
SELECT what, max(calls) AS calls, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS ms
  FROM bench.throughput GROUP BY what;

CREATE TEMP VIEW rb AS
SELECT who, percentile_cont(0.5) WITHIN GROUP (ORDER BY first_ms) AS first_ms,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY steady_ms) AS steady_ms, count(*) AS n
  FROM bench.rebuild GROUP BY who;

-- the leading columns of a list of the extension's indexes
CREATE FUNCTION pg_temp.lead_cols(names text) RETURNS text LANGUAGE sql
AS $$
    SELECT string_agg(DISTINCT tc.relname || '.' || a.attname, ', ')
      FROM unnest(string_to_array(names, ', ')) n
      JOIN pg_class ic ON ic.relname = n AND ic.relnamespace = 'permissions'::regnamespace
      JOIN pg_index i ON i.indexrelid = ic.oid
      JOIN pg_class tc ON tc.oid = i.indrelid
      JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = i.indkey[0]
$$;
CREATE FUNCTION pg_temp.same_index(a text, b text) RETURNS text LANGUAGE sql
AS $$
    SELECT CASE WHEN a = b THEN 'yes'
                WHEN pg_temp.lead_cols(a) = pg_temp.lead_cols(b) THEN 'yes (same leading column)'
                ELSE 'no' END
$$;

CREATE FUNCTION pg_temp.ms(x float8) RETURNS text LANGUAGE sql
AS $$ SELECT CASE WHEN x IS NULL THEN '-' WHEN x < 10 THEN to_char(x, 'FM990.000') ELSE to_char(x, 'FM999999990.0') END $$;
CREATE FUNCTION pg_temp.ratio(x float8) RETURNS text LANGUAGE sql
AS $$ SELECT CASE WHEN x IS NULL THEN '-' WHEN x < 100 THEN to_char(x, 'FM990.00') ELSE to_char(x, 'FM9999990') END $$;

SELECT format('# permissions benchmark: scale %s', :'scale');
SELECT '';
SELECT format('PostgreSQL %s; %s accounts, %s users, %s performers, %s charts, %s measurements, %s journals, %s grants; median of %s runs per variant, interleaved.',
              current_setting('server_version'),
              (SELECT count(*) FROM permissions.accounts), (SELECT count(*) FROM permissions.users),
              (SELECT count(*) FROM permissions.performers), (SELECT count(*) FROM permissions.charts),
              (SELECT count(*) FROM permissions.measurements), (SELECT count(*) FROM permissions.journals),
              (SELECT count(*) FROM permissions.access_grants), :'iterations');
SELECT '';
SELECT 'Times are planning + execution in ms, measured inside the server (EXPLAIN ANALYZE, TIMING OFF). (a) the user through RLS with the extension; (b) the hand-written query as a superuser (RLS off); (c) textbook SQL-only policies; (d) best-practice SQL-only policies; (e) a precomputed, indexed reach table, `performer_id IN (SELECT ... WHERE user_id = (SELECT auth_uid()))` (Supabase style); (f) the same table through `performer_id = ANY (definer_fn())`. (e) and (f) are filled from the extension when the data is made and kept current by nothing, which flatters them.';
SELECT '';
SELECT '## Queries (custom plans)';
SELECT '';
SELECT '| query | user | rows | (a) RLS + C | (b) hand-written | (c) textbook SQL | (d) best SQL | (e) reach table IN | (f) = ANY (definer) | (a)/(b) | (c)/(a) | (d)/(a) | (e)/(a) | (f)/(a) | index (a) | index (b) | same index |';
SELECT '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |',
              qname, who, rows, pg_temp.ms(a_ms), pg_temp.ms(b_ms),
              pg_temp.ms(c_ms) || CASE WHEN c_n < :iterations THEN format(' (%s runs)', c_n) ELSE '' END,
              pg_temp.ms(d_ms) || CASE WHEN d_n < :iterations THEN format(' (%s runs)', d_n) ELSE '' END,
              pg_temp.ms(e_ms), pg_temp.ms(f_ms),
              pg_temp.ratio(ab), pg_temp.ratio(ca), pg_temp.ratio(da), pg_temp.ratio(ea), pg_temp.ratio(fa),
              CASE WHEN target IS NULL THEN 'n/a' ELSE a_idx END,
              CASE WHEN target IS NULL THEN 'n/a' ELSE b_idx END,
              CASE WHEN target IS NULL THEN 'n/a' ELSE pg_temp.same_index(a_idx, b_idx) END)
  FROM summary ORDER BY ord;
SELECT '';
SELECT '### Plans of (a) and (b) (first run; planning time is the median)';
SELECT '';
SELECT '| query | (a) plan | (a) planning ms | (b) plan | (b) planning ms |';
SELECT '|---|---|--:|---|--:|';
SELECT format('| %s | %s | %s | %s | %s |', q.qname,
              (SELECT nodes FROM bench.samples s WHERE s.mode = 'custom' AND s.qname = q.qname AND s.variant = 'a' AND s.iter = 1),
              pg_temp.ms(a.plan_ms),
              (SELECT nodes FROM bench.samples s WHERE s.mode = 'custom' AND s.qname = q.qname AND s.variant = 'b' AND s.iter = 1),
              pg_temp.ms(b.plan_ms))
  FROM (SELECT DISTINCT ord, qname FROM bench.queries) q
  LEFT JOIN med a ON a.qname = q.qname AND a.variant = 'a'
  LEFT JOIN med b ON b.qname = q.qname AND b.variant = 'b'
 ORDER BY q.ord;
SELECT '';
SELECT '## (a)/(b) per plan mode';
SELECT '';
SELECT 'custom: each statement planned with its values (what the tables above show). generic: plan_cache_mode = force_generic_plan, one prepared statement per query in one session; before each timed execution of (a) by its user, users of other shapes (' || (SELECT string_agg(DISTINCT replace(role, 'permissions_bench_', ''), ', ') FROM bench.generic_users) || ') executed the same prepared statement with their own values, every user through one pooled login role and its own API credential, as on a pooled connection: the timed execution reuses the plan another user made and follows a change of identity. (b) runs as the superuser with the same statement each time.'
 WHERE EXISTS (SELECT 1 FROM bench.samples WHERE mode = 'generic');
SELECT '';
SELECT '| query | user | custom (a) | custom (b) | custom (a)/(b) | generic (a) | generic (a) planning | generic (b) | generic (a)/(b) | generic (a) plan |';
SELECT '|---|---|--:|--:|--:|--:|--:|--:|--:|---|';
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', q.qname, q.who,
              pg_temp.ms(a.ms), pg_temp.ms(b.ms), pg_temp.ratio(a.ms / nullif(b.ms, 0)),
              pg_temp.ms(ga.ms), pg_temp.ms(ga.plan_ms), pg_temp.ms(gb.ms), pg_temp.ratio(ga.ms / nullif(gb.ms, 0)),
              coalesce((SELECT nodes FROM bench.samples s WHERE s.mode = 'generic' AND s.qname = q.qname
                                                           AND s.variant = 'a' AND s.iter = 1), '-'))
  FROM (SELECT DISTINCT ord, qname, who FROM bench.queries) q
  LEFT JOIN med a ON a.qname = q.qname AND a.variant = 'a'
  LEFT JOIN med b ON b.qname = q.qname AND b.variant = 'b'
  LEFT JOIN gmed ga ON ga.qname = q.qname AND ga.variant = 'a'
  LEFT JOIN gmed gb ON gb.qname = q.qname AND gb.variant = 'b'
 ORDER BY q.ord;
SELECT '';
SELECT format('Generic plans return, for every user of every shape, the rows of the same statement with its values written in: %s (%s executions checked).',
              CASE WHEN bool_and(rows = custom_rows AND digest = custom_digest) THEN 'yes' ELSE 'NO' END, count(*))
  FROM bench.generic_checks HAVING count(*) > 0;
SELECT '';
SELECT '## Cold statements (custom plans)' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT 'Statements of (a) that find the session''s cache cold. switch: the first statement after a pooled connection changed identity (another user ran the same statement through the pooled role just before); pooled: the next statement of the same user; other tenant: the first statement after a committed access change in a tenant the user does not reach. Medians; (b) is the hand-written query''s median of the table above.' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT '| query | (b) | (a) warm | (a) after an identity switch | (a) pooled, next | (a) after another tenant''s change | switch/(b) | pooled/(b) | other tenant/(b) |' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT '|---|--:|--:|--:|--:|--:|--:|--:|--:|' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s |', s.qname, pg_temp.ms(s.b_ms), pg_temp.ms(s.a_ms),
              pg_temp.ms(sw.ms), pg_temp.ms(po.ms), pg_temp.ms(ot.ms),
              pg_temp.ratio(sw.ms / nullif(s.b_ms, 0)), pg_temp.ratio(po.ms / nullif(s.b_ms, 0)),
              pg_temp.ratio(ot.ms / nullif(s.b_ms, 0)))
  FROM summary s
  JOIN cold sw ON sw.qname = s.qname AND sw.kind = 'switch'
  JOIN cold po ON po.qname = s.qname AND po.kind = 'pooled'
  JOIN cold ot ON ot.qname = s.qname AND ot.kind = 'other tenant'
 ORDER BY s.ord;
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.cold);
SELECT '## End to end through pgbench (one client, as the client sees it)' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT 'tps of each statement alone (writes in a transaction rolled back); custom: simple protocol, values in the text; generic: extended protocol, prepared once per connection, plan_cache_mode = force_generic_plan. (a) connects as the superuser with role set to the user''s login role; (b) as the superuser.' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT '| query | custom (a) tps | custom (b) tps | custom (a)/(b) time | generic (a) tps | generic (b) tps | generic (a)/(b) time |' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT '|---|--:|--:|--:|--:|--:|--:|' WHERE EXISTS (SELECT 1 FROM bench.pgbench);
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', q.qname,
              to_char(ca.tps, 'FM999,999,990'), to_char(cb.tps, 'FM999,999,990'), pg_temp.ratio(cb.tps / nullif(ca.tps, 0)),
              to_char(ga.tps, 'FM999,999,990'), to_char(gb.tps, 'FM999,999,990'), pg_temp.ratio(gb.tps / nullif(ga.tps, 0)))
  FROM (SELECT DISTINCT ord, qname FROM bench.queries) q
  JOIN bench.pgbench ca ON ca.qname = q.qname AND ca.variant = 'a' AND ca.mode = 'custom'
  LEFT JOIN bench.pgbench cb ON cb.qname = q.qname AND cb.variant = 'b' AND cb.mode = 'custom'
  LEFT JOIN bench.pgbench ga ON ga.qname = q.qname AND ga.variant = 'a' AND ga.mode = 'generic'
  LEFT JOIN bench.pgbench gb ON gb.qname = q.qname AND gb.variant = 'b' AND gb.mode = 'generic'
 ORDER BY q.ord;
SELECT '';
SELECT '## The accounting of disclosures: (a)/(b) with permissions.read_accounting off and on' WHERE EXISTS (SELECT 1 FROM bench.accounting);
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.accounting);
SELECT format('Custom plans; each of (a) and (b) timed %s times with the setting off and on in turn in one session. With it on, (a) counts the rows its policies let through and writes and flushes its records (performers: rows of permissions.disclosures per statement, one row of the table per statement and table) before the statement ends; (b) runs as a superuser, to which the policies and the accounting do not apply. Medians, and minima (the least disturbed runs: on a loaded machine single runs vary by tens of percent, (b) too). The rise is ((a)/(b) on) / ((a)/(b) off) - 1; added is (a) on - (a) off, in ms.', max(iter))
  FROM bench.accounting HAVING count(*) > 0;
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.accounting);
SELECT '| query | performers | (a) off | (a) on | (b) off | (b) on | rise (medians) | (a) off min | (a) on min | (b) off min | (b) on min | rise (minima) | added (minima) |' WHERE EXISTS (SELECT 1 FROM bench.accounting);
SELECT '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|' WHERE EXISTS (SELECT 1 FROM bench.accounting);
WITH m AS (
    SELECT qname, variant, accounting, percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS ms,
           min(total_ms) AS lo, max(records) AS records
      FROM bench.accounting GROUP BY 1, 2, 3)
SELECT format('| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |', q.qname, a1.records,
              pg_temp.ms(a0.ms), pg_temp.ms(a1.ms), pg_temp.ms(b0.ms), pg_temp.ms(b1.ms),
              to_char(100 * ((a1.ms / nullif(b1.ms, 0)) / nullif(a0.ms / nullif(b0.ms, 0), 0) - 1), 'FM990.0') || '%',
              pg_temp.ms(a0.lo), pg_temp.ms(a1.lo), pg_temp.ms(b0.lo), pg_temp.ms(b1.lo),
              to_char(100 * ((a1.lo / nullif(b1.lo, 0)) / nullif(a0.lo / nullif(b0.lo, 0), 0) - 1), 'FM990.0') || '%',
              pg_temp.ms(a1.lo - a0.lo))
  FROM (SELECT DISTINCT ord, qname FROM bench.queries) q
  JOIN m a0 ON a0.qname = q.qname AND a0.variant = 'a' AND NOT a0.accounting
  JOIN m a1 ON a1.qname = q.qname AND a1.variant = 'a' AND a1.accounting
  JOIN m b0 ON b0.qname = q.qname AND b0.variant = 'b' AND NOT b0.accounting
  JOIN m b1 ON b1.qname = q.qname AND b1.variant = 'b' AND b1.accounting
 ORDER BY q.ord;
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.accounting);
SELECT 'End to end through pgbench, (a) with the accounting of disclosures off and on (every statement also runs in an internal subtransaction that records a failing read before its error is sent):' WHERE EXISTS (SELECT 1 FROM bench.pgbench WHERE mode LIKE '%+accounting');
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.pgbench WHERE mode LIKE '%+accounting');
SELECT '| query | custom (a) tps off | on | time rise | generic (a) tps off | on | time rise |' WHERE EXISTS (SELECT 1 FROM bench.pgbench WHERE mode LIKE '%+accounting');
SELECT '|---|--:|--:|--:|--:|--:|--:|' WHERE EXISTS (SELECT 1 FROM bench.pgbench WHERE mode LIKE '%+accounting');
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', q.qname,
              to_char(c0.tps, 'FM999,999,990'), to_char(c1.tps, 'FM999,999,990'),
              to_char(100 * (c0.tps / nullif(c1.tps, 0) - 1), 'FM990.0') || '%',
              to_char(g0.tps, 'FM999,999,990'), to_char(g1.tps, 'FM999,999,990'),
              to_char(100 * (g0.tps / nullif(g1.tps, 0) - 1), 'FM990.0') || '%')
  FROM (SELECT DISTINCT ord, qname FROM bench.queries) q
  JOIN bench.pgbench c0 ON c0.qname = q.qname AND c0.variant = 'a' AND c0.mode = 'custom'
  JOIN bench.pgbench c1 ON c1.qname = q.qname AND c1.variant = 'a' AND c1.mode = 'custom+accounting'
  LEFT JOIN bench.pgbench g0 ON g0.qname = q.qname AND g0.variant = 'a' AND g0.mode = 'generic'
  LEFT JOIN bench.pgbench g1 ON g1.qname = q.qname AND g1.variant = 'a' AND g1.mode = 'generic+accounting'
 ORDER BY q.ord;
SELECT '' WHERE EXISTS (SELECT 1 FROM bench.pgbench WHERE mode LIKE '%+accounting');
SELECT '## permissions.check() throughput (one statement, one backend)';
SELECT '';
SELECT '| expression | calls | median ms | decisions/s | decisions/s net of the scaffolding |';
SELECT '|---|--:|--:|--:|--:|';
SELECT format('| %s | %s | %s | %s | %s |',
              CASE t.what WHEN 'can_view' THEN 'permissions.can_view(''measurement'', account_id, performer_id)'
                          WHEN 'check' THEN 'permissions.check(''view'', ''measurement'', performer_id)'
                          WHEN 'check_user' THEN 'permissions.check(''view'', ''measurement'', performer_id, user_id), asked by a DBA'
                          ELSE 'built-in comparison (scaffolding: generate_series + count)' END,
              t.calls, pg_temp.ms(t.ms),
              to_char(t.calls / (t.ms / 1000.0), 'FM999,999,999,990'),
              CASE WHEN t.what = 'baseline' THEN '-'
                   ELSE to_char(t.calls / (greatest(t.ms - b.ms, 0.001) / 1000.0), 'FM999,999,999,990') END)
  FROM tput t, tput b WHERE b.what = 'baseline'
 ORDER BY CASE t.what WHEN 'can_view' THEN 1 WHEN 'check' THEN 2 WHEN 'check_user' THEN 3 ELSE 4 END;
SELECT '';
SELECT '## A committed grant change reaching the next statement';
SELECT '';
SELECT '| user | first statement after the change (ms) | steady state (ms) | cost of the change (ms) |';
SELECT '|---|--:|--:|--:|';
SELECT format('| %s | %s | %s | %s |', who, pg_temp.ms(first_ms), pg_temp.ms(steady_ms),
              pg_temp.ms(first_ms - steady_ms))
  FROM rb ORDER BY who DESC;
SELECT '';
SELECT '## Targets (information: a target not met does not fail the run)';
SELECT '';
SELECT format('- (a)/(b) at most %s: %s (worst %s, %s)', :'ab_limit',
              CASE WHEN max(ab) <= :ab_limit THEN 'met' ELSE 'target not met (information)' END,
              to_char(max(ab), 'FM990.000'), (array_agg(qname ORDER BY ab DESC))[1])
  FROM summary WHERE ab IS NOT NULL;
SELECT format('- (a) at least 10 times faster than (c) for restricted users: %s (lowest %s, %s)',
              CASE WHEN min(ca) >= 10 THEN 'met' ELSE 'target not met (information)' END,
              pg_temp.ratio(min(ca)), (array_agg(qname ORDER BY ca))[1])
  FROM summary WHERE restricted AND ca IS NOT NULL;
SELECT format('- (a) never slower than (d): %s (lowest (d)/(a) %s, %s)',
              CASE WHEN min(da) >= 1 THEN 'met' ELSE 'target not met (information)' END,
              pg_temp.ratio(min(da)), (array_agg(qname ORDER BY da))[1])
  FROM summary WHERE da IS NOT NULL;
SELECT format('- (a) faster than both user-written alternatives, (e) and (f): %s (lowest (e)/(a) %s, %s; lowest (f)/(a) %s, %s)',
              CASE WHEN min(ea) > 1 AND min(fa) > 1 THEN 'met' ELSE 'target not met (information)' END,
              pg_temp.ratio(min(ea)), (array_agg(qname ORDER BY ea))[1],
              pg_temp.ratio(min(fa)), (array_agg(qname ORDER BY fa))[1])
  FROM summary WHERE ea IS NOT NULL AND fa IS NOT NULL;
SELECT format('- (a) and (b) use the same indexes: %s',
              CASE WHEN bool_and(pg_temp.same_index(a_idx, b_idx) <> 'no') THEN 'met'
                   ELSE 'target not met (information: ' || string_agg(qname, ', ') FILTER (WHERE pg_temp.same_index(a_idx, b_idx) = 'no') || ')' END)
  FROM summary WHERE target IS NOT NULL;
SELECT format('- permissions.check() at least 1,000,000 decisions/s: %s (%s/s; about another user %s/s; can_view %s/s)',
              CASE WHEN c.calls / (c.ms / 1000.0) >= 1000000 AND u.calls / (u.ms / 1000.0) >= 1000000
                   THEN 'met' ELSE 'target not met (information)' END,
              to_char(c.calls / (c.ms / 1000.0), 'FM999,999,999,990'),
              to_char(u.calls / (u.ms / 1000.0), 'FM999,999,999,990'),
              to_char(v.calls / (v.ms / 1000.0), 'FM999,999,999,990'))
  FROM tput c, tput u, tput v WHERE c.what = 'check' AND u.what = 'check_user' AND v.what = 'can_view';
WITH m AS (
    SELECT qname, variant, accounting, min(total_ms) AS ms
      FROM bench.accounting GROUP BY 1, 2, 3),
r AS (
    SELECT a0.qname, (a1.ms / b1.ms) / (a0.ms / b0.ms) - 1 AS rise
      FROM m a0 JOIN m a1 ON a1.qname = a0.qname AND a1.variant = 'a' AND a1.accounting
                JOIN m b0 ON b0.qname = a0.qname AND b0.variant = 'b' AND NOT b0.accounting
                JOIN m b1 ON b1.qname = a0.qname AND b1.variant = 'b' AND b1.accounting
     WHERE a0.variant = 'a' AND NOT a0.accounting AND b0.ms > 0 AND b1.ms > 0)
SELECT format('- with the accounting of disclosures on, (a)/(b) rises by at most 5%% (minima): %s (largest rise %s%%, %s)',
              CASE WHEN max(rise) <= 0.05 THEN 'met' ELSE 'target not met (information)' END,
              to_char(100 * max(rise), 'FM990.0'), (array_agg(qname ORDER BY rise DESC))[1])
  FROM r HAVING count(*) > 0;
SELECT format('- (a)/(b) at most %s under generic plans: %s (worst %s, %s)', :'ab_limit',
              CASE WHEN max(ga.ms / gb.ms) <= :ab_limit THEN 'met' ELSE 'target not met (information)' END,
              to_char(max(ga.ms / gb.ms), 'FM990.000'), (array_agg(ga.qname ORDER BY ga.ms / gb.ms DESC))[1])
  FROM gmed ga JOIN gmed gb ON gb.qname = ga.qname AND gb.variant = 'b'
 WHERE ga.variant = 'a' AND gb.ms > 0
HAVING count(*) > 0;
