# t/PermissionsTest.pm: what the TAP tests of t/ share.
#
# Nodes of PostgreSQL::Test::Cluster with the settings every test cluster
# has, psql and the client programs run against a node with psql variables
# and files of the tree (the tests run from the top of the tree), and the
# fingerprint of a database (test/dump/fingerprint.sql) read into a hash.
package PermissionsTest;

use strict;
use warnings;

use Exporter 'import';
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

our @EXPORT = qw(new_node run_on psql_run psql_value fingerprint read_facts);

# Forget the libpq settings of the calling environment that
# PostgreSQL::Test::Utils leaves (PGOPTIONS, PGTZ ...): each test connects to
# nodes of its own, with nothing else changing what a session does.
delete @ENV{ grep { /^PG[A-Z][A-Z_]*$/ && $_ ne 'PGAPPNAME' } keys %ENV };

# A node, initialised (not started), with fsync off and the extra
# postgresql.conf lines given: the test clusters of the bash steps had the
# same settings.
sub new_node
{
	my ($name, @conf) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init(allows_streaming => 1);
	$node->append_conf('postgresql.conf', join("\n", 'fsync = off', @conf) . "\n");
	return $node;
}

# Runs a client program (psql, pg_dump, pg_restore ...) against a node,
# database given with -d or PGDATABASE; returns its exit code, its standard
# output and its standard error.  stdin => text feeds the program.
sub run_on
{
	my ($node, $cmd, %opts) = @_;
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = $opts{db} // 'postgres';
	my $in = $opts{stdin} // '';
	my ($out, $err) = ('', '');
	IPC::Run::run($cmd, '<', \$in, '>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# psql -X -q -v ON_ERROR_STOP=1 on a database of a node: sql => text (on
# standard input) or file => a file of the tree; vars => { name => value }
# are psql variables; at => 1 for unaligned tuples only.  Returns the exit
# code, standard output and standard error.
sub psql_run
{
	my ($node, $db, %opts) = @_;
	my @cmd = ('psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', $db);
	push @cmd, '-At' if $opts{at};
	my $vars = $opts{vars} // {};
	push @cmd, '-v', "$_=$vars->{$_}" for sort keys %$vars;
	push @cmd, '-f', $opts{file} if defined $opts{file};
	return run_on($node, \@cmd, db => $db, stdin => $opts{sql});
}

# The output of one query (unaligned, tuples only, trailing newline
# removed); errors go to the output, so that a test that compares it shows them.
sub psql_value
{
	my ($node, $db, $sql) = @_;
	my ($rc, $out, $err) = psql_run($node, $db, sql => $sql, at => 1);
	chomp $out;
	return $rc == 0 ? $out : "$out$err";
}

# Reads "key<TAB>value" lines into a hash (a key seen twice keeps both
# values, one per line).
sub read_facts
{
	my ($text) = @_;
	my %facts;
	for my $line (split /\n/, $text)
	{
		my ($key, $value) = split /\t/, $line, 2;
		next unless defined $key && $key ne '';
		$value //= '';
		$facts{$key} = exists $facts{$key} ? "$facts{$key}\n$value" : $value;
	}
	return \%facts;
}

# The fingerprint of a database (test/dump/fingerprint.sql, run by the
# superuser with the API credential and the login role it acts through):
# (hash of facts, standard error, exit code).
sub fingerprint
{
	my ($node, $db, $cred, $credrole) = @_;
	my ($rc, $out, $err) = psql_run($node, $db,
		file => 'test/dump/fingerprint.sql',
		vars => { cred => $cred, credrole => $credrole });
	return (read_facts($out), $err, $rc);
}

1;
