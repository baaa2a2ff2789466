# A grant revoked on a publisher stops working on a logical replication
# subscriber for every session there, open ones included (round 4 of the
# attacks found it did not).
#
# Freshness rests on hints the committing backend sends (src/hints.c); a
# session whose cache no hint named reads no epoch.  A logical replication
# apply worker writes the replicated rows with session_replication_role =
# replica, where ordinary triggers do not fire: the triggers that move the
# epochs (and send the hints) are ENABLE ALWAYS.  (A hot standby is covered
# apart, by t/002_replication.pl: hints are not trusted in recovery.)
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;

use PermissionsTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('main', 'wal_level = logical', 'max_replication_slots = 4');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE pub');
$node->safe_psql('postgres', 'CREATE DATABASE sub');
my ($rc, $out, $err) = psql_run($node, 'pub', sql => q{
CREATE EXTENSION permissions;
CREATE ROLE logical_therapist;
SELECT permissions.create_account('logical A') AS a \gset
SELECT permissions.create_user(:a, 'therapist', db_role => 'logical_therapist') AS t \gset
INSERT INTO permissions.performers (account_id, first_name) VALUES (:a, 'Lo') RETURNING id AS p \gset
SELECT permissions.grant_access('tier3', user_id => :t, performer_id => :p);
CREATE PUBLICATION access FOR TABLE permissions.accounts, permissions.users, permissions.performers,
    permissions.access_grants, permissions.groups, permissions.group_members, permissions.teams,
    permissions.team_members, permissions.api_credentials, permissions.tenant_epochs;
SELECT pg_create_logical_replication_slot('access', 'pgoutput');
});
is($rc, 0, 'the publisher') or BAIL_OUT("the publisher: $err");
# the subscriber: the same extension, its tables filled by the subscription
my $conninfo = 'dbname=pub host=' . $node->host . ' port=' . $node->port;
($rc, $out, $err) = psql_run($node, 'sub', sql => qq{
CREATE EXTENSION permissions;
DELETE FROM permissions.tenant_epochs;
CREATE SUBSCRIPTION access CONNECTION '$conninfo'
    PUBLICATION access WITH (create_slot = false, slot_name = 'access');
});
is($rc, 0, 'the subscriber') or BAIL_OUT("the subscriber: $err");
ok($node->poll_query_until('sub',
		"SELECT count(*) = 10 AND bool_and(srsubstate = 'r') FROM pg_subscription_rel"),
	'the subscription synchronizes its 10 tables')
  or BAIL_OUT('the subscription did not synchronize');

# a session open on the subscriber, with its access cached
my $session = $node->background_psql('sub');
my $lo = "SELECT count(*) FROM permissions.performers WHERE first_name = 'Lo'";
my $ask = sub {
	my $answer = eval { $session->query_safe($_[0]) };
	return defined $answer ? $answer =~ s/\s+$//r : "error: $@";
};
$ask->('SET ROLE logical_therapist');
my $before = $ask->($lo);
# other transactions finish: the session's snapshots see every earlier writer done
$node->safe_psql('sub', 'SELECT txid_current()');
$node->safe_psql('sub', 'SELECT txid_current()');
my $warm = $ask->($lo);

$node->safe_psql('pub', 'SELECT count(permissions.revoke_access(g.id)) FROM permissions.access_grants g');
ok($node->poll_query_until('sub', 'SELECT count(*) = 0 FROM permissions.access_grants'),
	'the revocation is replicated')
  or BAIL_OUT('the revocation was not replicated');
my $after_open = $ask->($lo);
my $after_open2 = $ask->($lo);
my $after_new = psql_value($node, 'sub', "SET ROLE logical_therapist;\n$lo");
$session->quit;

ok($before eq '1' && $warm eq '1', 'before the revocation the therapist sees the performer on the subscriber')
  or diag("$before, $warm");
is($after_new, '0',
	'after the revocation is replicated, a new subscriber session no longer sees the performer');
ok($after_open eq '0' && $after_open2 eq '0',
	'after the revocation is replicated, a subscriber session opened before it no longer sees the performer')
  or diag("it still sees it: $after_open, $after_open2");

$node->safe_psql('sub', 'SET client_min_messages = warning; DROP SUBSCRIPTION access');
done_testing();
