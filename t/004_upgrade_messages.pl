# What ALTER EXTENSION permissions UPDATE says to the DBA: the login roles
# that used the tables through PUBLIC under 1.0 and lost them (by name, with
# the GRANT that gives them back), and the sessions opened before the update
# that keep the 1.0 library until they reconnect.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;

use PermissionsTest;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = new_node('main');
$node->start;
$node->safe_psql('postgres', 'CREATE ROLE regress_upd_app LOGIN; CREATE ROLE regress_upd_mapped LOGIN');
$node->safe_psql('postgres', 'CREATE DATABASE upd');
# a 1.0 database with a mapped user (written directly: the installed
# library is the new version, which does not run on the tables of 1.0)
$node->safe_psql('upd', q{
CREATE EXTENSION permissions VERSION '1.0';
SET session_replication_role = replica;
INSERT INTO permissions.accounts (id, name) VALUES (1, 'upd');
INSERT INTO permissions.users (id, account_id, username, db_role) VALUES (1, 1, 'mapped', 'regress_upd_mapped');
});

# a session of the application, open across the update
my $session = $node->background_psql('upd');
my $pid = $session->query_safe('SELECT pg_backend_pid()') =~ s/\s+$//r;
is($node->safe_psql('postgres', "SELECT count(*) FROM pg_stat_activity WHERE datname = 'upd' AND pid = $pid"),
	'1', 'a session of the database is open before the update');

my ($rc, $out, $err) = psql_run($node, 'upd', sql => 'ALTER EXTENSION permissions UPDATE;');
my $said = $out . $err;
note("what the update said:\n$said");
is($rc, 0, 'the update runs');
like($said, qr/these login roles lost access to them: regress_upd_app/,
	'the update names the login role that lost its access');
like($said, qr/GRANT permissions_client TO regress_upd_app;/, 'the update says how to give it back');
unlike($said, qr/lost access to them: .*regress_upd_mapped/, 'the mapped role is not named');
is($node->safe_psql('upd', "SELECT pg_has_role('regress_upd_mapped', 'permissions_client', 'MEMBER')"),
	't', 'a mapped login role keeps its access');
like($said,
	qr/sessions of this database opened before the update \(1 of them\) run the library of permissions 1\.0/,
	'the update tells of sessions that keep the 1.0 library');
like($said, qr/Reconnect them/, 'and says to reconnect them');

$session->quit;
done_testing();
