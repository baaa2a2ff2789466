# A streaming standby serves the same rows under the same rules.
#
# A primary with a populated database (the benchmark generator at its
# smallest, an API credential, a token issuer), a standby made from a base
# backup and streaming replication.  On the standby: every table and what
# every mapped login role, the credential and the signed token see equal the
# primary's (test/dump/fingerprint.sql, which runs read-only);
# authenticate() works in its read-only transactions; and a grant revoked on
# the primary stops working on the standby once replayed, for a new session
# and for a session that was open (and had its access cached) before the
# revocation.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;

use PermissionsTest;
use PostgreSQL::Test::Utils;
use Test::More;

# the primary
my $primary = new_node('primary');
$primary->start;
$primary->safe_psql('postgres', 'CREATE DATABASE app');
$primary->safe_psql('app', 'CREATE EXTENSION permissions');
my ($rc, $out, $err) = psql_run($primary, 'app',
	file => 'bench/sql/generate.sql',
	vars => { accounts => 1, meas_per_chart => 2, heavy_grants => 0, rp => 'repl_' });
is($rc, 0, 'the generator builds the primary\'s database') or BAIL_OUT("the generator: $err");
$primary->safe_psql('app', q{
CREATE ROLE repl_app LOGIN;
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'permissions_client') THEN
        GRANT permissions_client TO repl_app;
    END IF;
END
$$;
});
my $cred = $primary->safe_psql('app',
	"SELECT permissions.create_api_credential(id, 'standby reader') FROM permissions.users WHERE username = 'a1_therapist1'");
# therapist 1's direct tier2 grant on performer 81 (its other performers come through its team)
my $grant = $primary->safe_psql('app',
	"SELECT g.id FROM permissions.access_grants g JOIN permissions.users u ON u.id = g.user_id "
	  . "WHERE u.username = 'a1_therapist1' AND g.performer_id = 81");
ok($cred ne '' && $grant ne '', 'a credential and a grant to test with') or BAIL_OUT('no credential or grant');
# the issuer, key and subject of the signed token test/dump/fingerprint.sql authenticates with
$primary->safe_psql('app', q{
SELECT permissions.register_token_issuer('https://idp.dump.test', NULL, max_lifetime => '100 years');
SELECT permissions.register_token_key('https://idp.dump.test', 'dump-ed', 'EdDSA',
       '{"kty": "OKP", "crv": "Ed25519", "x": "A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg"}');
SELECT permissions.map_token_subject('https://idp.dump.test', 'north-lead', u.id)
  FROM permissions.users u WHERE u.username = 'a1_therapist1';
});

# the standby: a base backup, streaming
$primary->backup('base');
my $standby = PostgreSQL::Test::Cluster->new('standby');
$standby->init_from_backup($primary, 'base', has_streaming => 1);
$standby->append_conf('postgresql.conf', "hot_standby = on\n");
$standby->start;
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
is($standby->safe_psql('postgres', 'SELECT pg_is_in_recovery()'), 't',
	'the standby is in recovery, streaming from the primary ('
	  . $primary->safe_psql('postgres', "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
	  . ' sender streaming)');

my ($pfp, $perr, $prc) = fingerprint($primary, 'app', $cred, 'repl_app');
is($prc, 0, 'the fingerprint of the primary') or BAIL_OUT("fingerprint of the primary: $perr");
my ($sfp, $serr, $src) = fingerprint($standby, 'app', $cred, 'repl_app');
is($src, 0, 'the fingerprint runs on the standby, read-only (' . scalar(keys %$sfp) . ' facts)')
  or diag("the fingerprint failed on the standby: $serr");
for my $what (
	[ 'table ', 'every table, row by row' ],
	[ 'visible ', 'what each mapped login role sees' ],
	[ 'credential', 'what the API credential sees, authenticated on the standby' ],
	[ 'token', 'what the signed token sees, authenticated on the standby' ])
{
	my ($prefix, $label) = @$what;
	my @keys = sort grep { index($_, $prefix) == 0 } keys %$pfp;
	my @skeys = grep { index($_, $prefix) == 0 } keys %$sfp;
	my @differ = grep { ($sfp->{$_} // '(missing)') ne $pfp->{$_} } @keys;
	ok(@keys && !@differ && @skeys == @keys, "$label: as on the primary (" . scalar(@keys) . ' compared)')
	  or diag("$label differs from the primary:\n"
		  . join("\n", map { "$_: $pfp->{$_} | " . ($sfp->{$_} // '(missing)') } @differ[ 0 .. ($#differ < 9 ? $#differ : 9) ]));
}

# authenticate() in the standby's read-only transactions
my $auth = psql_value($standby, 'app', qq{
SET ROLE repl_app;
BEGIN;
SELECT permissions.authenticate('$cred') = (SELECT id FROM permissions.users WHERE username = 'a1_therapist1');
SELECT permissions.current_user_id() IS NOT NULL;
SELECT count(*) > 0 FROM permissions.measurements;
COMMIT;
SELECT permissions.current_user_id() IS NULL;
});
is($auth =~ s/\n//gr, 'tttt',
	'authenticate() on the standby: the credential\'s user for the transaction, which sees its rows, and nobody after it');

# a session open on the standby since before the revocation, with its access cached
my $session = $standby->background_psql('app');
# a query of the open session; its error as its answer
my $ask = sub {
	my ($sql) = @_;
	my $answer = eval { $session->query_safe($sql) };
	return defined $answer ? $answer =~ s/\s+$//r : "error: $@";
};
$ask->('SET ROLE repl_therapist');
my $performer81 = 'SELECT count(*) FROM permissions.performers WHERE id = 81';
my $before_open = $ask->($performer81);
my $before_new = psql_value($standby, 'app', "SET ROLE repl_therapist;\n$performer81");

# the revocation on the primary, replayed
$primary->safe_psql('app', "SELECT permissions.revoke_access($grant)");
$primary->wait_for_catchup($standby, 'replay', $primary->lsn('insert'));
my $after_open = $ask->($performer81);
my $after_new = psql_value($standby, 'app', "SET ROLE repl_therapist;\n$performer81");
my $after_cred = psql_value($standby, 'app', qq{
SET ROLE repl_app;
BEGIN;
SELECT permissions.authenticate('$cred') IS NOT NULL;
$performer81;
COMMIT;
});
$session->quit;

ok($before_open eq '1' && $before_new eq '1',
	'before the revocation the therapist sees performer 81 on the standby')
  or diag("open session $before_open, new session $before_new");
is($after_open, '0',
	'after replay, a standby session opened before the revocation no longer sees performer 81');
is($after_new, '0', 'after replay, a new standby session no longer sees performer 81');
is($after_cred =~ s/\n//gr, 't0',
	'after replay, the credential authenticates on the standby and no longer sees performer 81');

done_testing();
