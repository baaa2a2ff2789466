--
-- 360 reviews (manage_reviews): holders create, change and delete reviews of
-- performers they can see, and choose participants from the review's line of
-- the account tree; participants see the reviews they take part in and
-- those reviews' participants, and change nothing.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set VERBOSITY terse

\i sql/try.inc

-- T has sub-accounts A and B.  In A: amgr (manager), rev (manage_reviews,
-- tier4), blind (manage_reviews, no access to performers), r1 and r2 (no
-- permission); tuser in T; buser and bmgr in B
CREATE ROLE regress_rv_amgr;
GRANT permissions_client TO regress_rv_amgr;
CREATE ROLE regress_rv_rev;
GRANT permissions_client TO regress_rv_rev;
CREATE ROLE regress_rv_blind;
GRANT permissions_client TO regress_rv_blind;
CREATE ROLE regress_rv_r1;
GRANT permissions_client TO regress_rv_r1;
CREATE ROLE regress_rv_r2;
GRANT permissions_client TO regress_rv_r2;
CREATE ROLE regress_rv_tuser;
GRANT permissions_client TO regress_rv_tuser;
CREATE ROLE regress_rv_bmgr;
GRANT permissions_client TO regress_rv_bmgr;
SELECT permissions.create_account('regress rv T') AS t \gset
SELECT permissions.create_account('regress rv A', :t) AS a \gset
SELECT permissions.create_account('regress rv B', :t) AS b \gset
SELECT permissions.create_user(:a, 'rv_amgr', 'manager', db_role => 'regress_rv_amgr') AS amgr \gset
SELECT permissions.create_user(:a, 'rv_rev', access => 'tier4', permissions => '{manage_reviews}', db_role => 'regress_rv_rev') AS rev \gset
SELECT permissions.create_user(:a, 'rv_blind', permissions => '{manage_reviews}', db_role => 'regress_rv_blind') AS blind \gset
SELECT permissions.create_user(:a, 'rv_r1', access => 'tier4', db_role => 'regress_rv_r1') AS r1 \gset
SELECT permissions.create_user(:a, 'rv_r2', access => 'tier4', db_role => 'regress_rv_r2') AS r2 \gset
SELECT permissions.create_user(:t, 'rv_tuser', db_role => 'regress_rv_tuser') AS tuser \gset
SELECT permissions.create_user(:b, 'rv_buser') AS buser \gset
SELECT permissions.create_user(:b, 'rv_bmgr', 'manager', db_role => 'regress_rv_bmgr') AS bmgr \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Rv A'), (:b, 'Rv B');
SELECT id AS pa FROM permissions.performers WHERE account_id = :a \gset
SELECT id AS pb FROM permissions.performers WHERE account_id = :b \gset

-- creating: manage_reviews in the account, on a performer one can see
SET ROLE regress_rv_rev;
INSERT INTO permissions.reviews (account_id, performer_id, title)
VALUES (:a, :pa, 'Rv spring review') RETURNING title, status, created_by = :rev AS by_rev;
SELECT id AS review FROM permissions.reviews \gset
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:b, :pb, 'Rv in a sibling');
SET ROLE regress_rv_blind;
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:a, :pa, 'Rv blind');
SET ROLE regress_rv_r2;
INSERT INTO permissions.reviews (account_id, performer_id, title) VALUES (:a, :pa, 'Rv no permission');
RESET ROLE;

-- participants: from A, from an account above it; never from a sibling;
-- account_id comes from the review
SET ROLE regress_rv_rev;
INSERT INTO permissions.review_participants (review_id, user_id, role)
VALUES (:review, :r1, 'reviewer'), (:review, :tuser, 'reviewer');
INSERT INTO permissions.review_participants (review_id, user_id, account_id) VALUES (:review, :rev, :b)
RETURNING account_id = :a AS in_review_account;
SELECT pg_temp.try('INSERT INTO permissions.review_participants (review_id, user_id) VALUES (%s, %s)', :'review', :'buser');
SELECT pg_temp.try('INSERT INTO permissions.review_participants (review_id, user_id, role) VALUES (%s, %s, %L)',
                   :'review', :'r2', 'boss');
SET ROLE regress_rv_r1;
INSERT INTO permissions.review_participants (review_id, user_id) VALUES (:review, :r2);
RESET ROLE;

-- participants see the review and its participants, wherever their account
SET ROLE regress_rv_r1;
SELECT title, status FROM permissions.reviews;
SELECT u.username, p.role FROM permissions.review_participants p
  JOIN (VALUES (:r1, 'r1'), (:tuser, 'tuser'), (:rev, 'rev')) AS u(id, username) ON u.id = p.user_id ORDER BY 1;
-- ... and change nothing
UPDATE permissions.reviews SET status = 'closed';
DELETE FROM permissions.review_participants;
DELETE FROM permissions.reviews;
SET ROLE regress_rv_tuser;
SELECT title FROM permissions.reviews;
-- others see nothing: a user of A who takes no part, B's manager
SET ROLE regress_rv_r2;
SELECT count(*) AS reviews_seen, (SELECT count(*) FROM permissions.review_participants) AS participants_seen
  FROM permissions.reviews;
SET ROLE regress_rv_bmgr;
SELECT count(*) AS reviews_seen FROM permissions.reviews;
UPDATE permissions.reviews SET status = 'closed';
RESET ROLE;

-- changing: manage_reviews holders and managers of the account
SET ROLE regress_rv_rev;
UPDATE permissions.reviews SET status = 'open', due_on = '2030-06-30' WHERE id = :review
RETURNING title, status, to_char(due_on, 'YYYY-MM-DD') AS due_on;
UPDATE permissions.reviews SET status = 'archived' WHERE id = :review;
UPDATE permissions.review_participants SET role = 'subject' WHERE user_id = :tuser RETURNING role;
SET ROLE regress_rv_amgr;
DELETE FROM permissions.review_participants WHERE user_id = :rev;
SELECT count(*) AS participants FROM permissions.review_participants WHERE review_id = :review;
-- deleting the review takes its participants with it
DELETE FROM permissions.reviews WHERE id = :review;
RESET ROLE;
SELECT count(*) AS reviews_left, (SELECT count(*) FROM permissions.review_participants WHERE review_id = :review) AS participants_left
  FROM permissions.reviews WHERE id = :review;

SELECT permissions.delete_account(:t, force => true);
DROP ROLE regress_rv_amgr, regress_rv_rev, regress_rv_blind, regress_rv_r1, regress_rv_r2, regress_rv_tuser, regress_rv_bmgr;
