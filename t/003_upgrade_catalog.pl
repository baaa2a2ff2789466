# An updated install and a fresh install have the same catalog.
#
# One database gets version 1.0 and ALTER EXTENSION permissions UPDATE (the
# hand-written update scripts), another a fresh CREATE EXTENSION permissions
# (the install script of the current version, built from install/*.sql);
# test/upgrade/catalog.sql lists, with OIDs turned into names, every member
# object, column, constraint, index, policy, trigger, event trigger, rule,
# function, privilege, comment, sequence, database setting and config-dump
# setting of each, and any difference fails.  Then small changes of every
# kind (test/upgrade/perturbations), each in a rolled-back transaction, must
# each show up in the comparison (so it can fail), the released 1.0 script
# must be the file that was released, the new library must refuse to decide
# on the tables of 1.0, and a fresh install must refuse a schema
# "permissions" that holds objects of someone else.
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;

use Digest::SHA;
use PermissionsTest;
use PostgreSQL::Test::Utils;
use Test::More;

# sha256 of permissions--1.0.sql as released (the file of commit b7d4e2c)
my $released_sha256 = '9cc0450f45dcf4b4b5b1fc63fe8ae2179769f56da768cfadd50bb46e829b0430';

my $actual = Digest::SHA->new(256)->addfile('permissions--1.0.sql')->hexdigest;
is($actual, $released_sha256, 'permissions--1.0.sql is the released file')
  or diag('1.0 never changes: put changes in install/ and upgrade/<version>/');

# a fresh install runs the full script of the current version, the one
# built from install/ (without it, CREATE EXTENSION would run 1.0 and the
# updates, and the comparison would compare the update with itself)
my ($version) = slurp_file('permissions.control') =~ /^default_version\s*=\s*'([^']*)'/m;
my ($sharedir) = run_command([ 'pg_config', '--sharedir' ]);
chomp $sharedir;
my $installed = "$sharedir/extension/permissions--$version.sql";
my $from_sources = join('', map { slurp_file($_) } sort glob('install/*.sql'));
ok(-f $installed && -f "permissions--$version.sql"
	  && slurp_file($installed) eq slurp_file("permissions--$version.sql")
	  && slurp_file($installed) eq $from_sources,
	"a fresh install runs permissions--$version.sql, built from install/*.sql")
  or diag("the installed $installed is missing or is not install/*.sql (run make install)");

my $node = new_node('main');
$node->start;
$node->safe_psql('postgres', 'CREATE DATABASE upgraded');
$node->safe_psql('postgres', 'CREATE DATABASE fresh');
$node->safe_psql('upgraded', "CREATE EXTENSION permissions VERSION '1.0'");
$node->safe_psql('upgraded', 'ALTER EXTENSION permissions UPDATE');
$node->safe_psql('fresh', 'CREATE EXTENSION permissions');
my $extversion = "SELECT extversion FROM pg_extension WHERE extname = 'permissions'";

# the library of the new version with the tables of 1.0 (files installed,
# ALTER EXTENSION not yet run): a policy refuses to decide
$node->safe_psql('postgres', 'CREATE DATABASE stale');
$node->safe_psql('stale', "CREATE EXTENSION permissions VERSION '1.0'");
$node->safe_psql('stale', 'CREATE ROLE regress_stale_reader');
my (undef, $sout, $serr) = psql_run($node, 'stale',
	sql => "SET ROLE regress_stale_reader;\nSELECT count(*) FROM permissions.performers;");
my $stale = $sout . $serr;
ok($stale =~ /ERROR:/ && $stale =~ /ALTER EXTENSION permissions UPDATE/,
	'the new library with the tables of 1.0 refuses to decide and says to update')
  or diag("it did not refuse: $stale");
$node->safe_psql('stale', 'DROP EXTENSION permissions');
$node->safe_psql('stale', 'DROP ROLE regress_stale_reader');

# a fresh install into a schema that holds objects of someone else
$node->safe_psql('postgres', 'CREATE DATABASE strays');
$node->safe_psql('strays', q{
CREATE SCHEMA permissions;
CREATE TABLE permissions.mine (x int);
CREATE FUNCTION permissions.my_function() RETURNS int LANGUAGE sql AS 'SELECT 1';
});
my (undef, $yout, $yerr) = psql_run($node, 'strays', sql => 'CREATE EXTENSION permissions;');
my $strays = $yout . $yerr;
ok($strays =~ /ERROR:  schema "permissions" already holds objects/
	  && $strays =~ /Found: function my_function\(\), table mine\./
	  && $node->safe_psql('strays', "SELECT count(*) FROM pg_extension WHERE extname = 'permissions'") eq '0',
	'a fresh install refuses a schema permissions that holds objects of someone else, and names them')
  or diag("it did not refuse: $strays");

my $upgraded_version = $node->safe_psql('upgraded', $extversion);
my $fresh_version = $node->safe_psql('fresh', $extversion);
is($upgraded_version, $fresh_version, "both databases are at version $fresh_version");

my $catalog_sql = slurp_file('test/upgrade/catalog.sql');
my ($urc, $upgraded, $uerr) = psql_run($node, 'upgraded', file => 'test/upgrade/catalog.sql', at => 1);
my ($frc, $fresh, $ferr) = psql_run($node, 'fresh', file => 'test/upgrade/catalog.sql', at => 1);
is($urc + $frc, 0, 'test/upgrade/catalog.sql lists both catalogs') or diag("$uerr$ferr");
my @fresh = split /\n/, $fresh;
my @upgraded = split /\n/, $upgraded;
my %per_section;
$per_section{ $_ =~ s/ \| .*//r }++ for @fresh;
note('compared ' . scalar(@fresh) . ' facts of the fresh install with ' . scalar(@upgraded)
	  . ' of the updated one: ' . join(', ', map { "$per_section{$_} $_" } sort keys %per_section));

# Lines of the first list missing from the second (as multisets).
sub missing_from
{
	my ($these, $those) = @_;
	my %count;
	$count{$_}++ for @$those;
	return grep { !($count{$_}-- > 0) } @$these;
}
if (!is($upgraded, $fresh, 'updated catalog equals the fresh one'))
{
	my @only_fresh = missing_from(\@fresh, \@upgraded);
	my @only_upgraded = missing_from(\@upgraded, \@fresh);
	diag("only in the fresh install: $_") for @only_fresh;
	diag("only in the updated one: $_") for @only_upgraded;
}

# every kind of object the extension has is in the comparison (a section
# that came out empty would compare nothing)
my @empty = grep { !$per_section{$_} } (
	'extension', 'member', 'schema', 'relation', 'column', 'constraint', 'index', 'policy',
	'trigger', 'view', 'sequence', 'table rows', 'function', 'function body', 'aggregate', 'type',
	'operator', 'operator class', 'operator family member', 'cast', 'init privs', 'comment',
	'database setting', 'config dump', 'event trigger');
ok(!@empty, 'the comparison has facts of every kind of object the extension makes')
  or diag('the comparison has no facts of: ' . join(', ', @empty));

my @strays = grep { /^not a member \| / } @fresh;
ok(!@strays, 'every object of schema permissions belongs to the extension')
  or diag("objects of schema permissions that are not members of the extension (pg_dump would "
	  . "dump them apart, and DROP EXTENSION would leave them):\n" . join("\n", @strays));

# the same comparison must see each of these changes (made in the updated
# database and rolled back)
my @perturbations = grep { /\S/ && !/^#/ } split /\n/, slurp_file('test/upgrade/perturbations');
cmp_ok(scalar(@perturbations), '>', 0, 'test/upgrade/perturbations lists changes');
for my $line (@perturbations)
{
	my ($section, $change) = split /\|/, $line, 2;
	my ($prc, $perturbed, $perr) = psql_run($node, 'upgraded', at => 1,
		sql => "BEGIN;\n$change;\n$catalog_sql\nROLLBACK;\n");
	my @before = grep { index($_, "$section | ") == 0 } @upgraded;
	my @after = grep { index($_, "$section | ") == 0 } split /\n/, $perturbed;
	ok($prc == 0 && join("\n", @before) ne join("\n", @after),
		"the comparison detects a change of $section ($change)")
	  or diag($prc == 0 ? "the comparison misses a change of $section: $change" : "the change failed: $perr");
}

done_testing();
