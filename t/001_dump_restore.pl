# Nothing lost in a dump and restore.
#
# Builds a populated database (the benchmark generator at a small scale, then
# test/dump/build.sql: sub-accounts and a deleted one, an invitation, API
# credentials, credits and transfers, assessments, reviews, tags, notes, an
# application table under protect_table() ...), takes its fingerprint
# (test/dump/fingerprint.sql: every table row by row, every sequence, what
# each mapped login role sees, what the kept API credential sees, the
# application table's policies), and round-trips it four ways:
#
#   custom    pg_dump -Fc, pg_restore into a new database
#   parallel  the same with pg_restore -j 3, the extension's rows first
#   plain     pg_dump | psql into a new database
#   dumpall   pg_dumpall into a fresh second cluster
#   lost role pg_restore into a fresh cluster lacking one mapped role: every
#             table but users must be identical, users identical but for
#             db_role; what becomes of that mapping is reported
#
# First a byte copy of the source (CREATE DATABASE ... TEMPLATE) must pass
# every check, so that a failure below is the restore's, not the harness's.
# Each restored database must have the source's fingerprint, restore without
# errors, and go on working (test/dump/after_restore.sql: sequences ahead of
# the ids, a new row in every table through the extension's functions).
use strict;
use warnings;
use FindBin;
use lib $FindBin::RealBin;

use PermissionsTest;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $work = PostgreSQL::Test::Utils::tempdir;
my ($cred, $source);
my @summary;

# what the comparison compares, each a check of its own
my @kinds = (
	[ 'tables (every row)', qr/^table permissions\./ ],
	[ 'the audit log', qr/^table permissions\.audit_log\b/ ],
	[ 'sequences', qr/^sequence / ],
	[ 'what each mapped user sees (SET ROLE)', qr/^(visible|mapped role) / ],
	[ 'what the kept API credential sees', qr/^credential/ ],
	[ 'what the signed token sees', qr/^token/ ],
	[ 'the application table, its rows and policies', qr/^(app |table app\.|sequence app\.)/ ]);

# The fingerprint of a database of a node, its errors shown.
sub fp
{
	my ($node, $db) = @_;
	my ($facts, $err) = fingerprint($node, $db, $cred, 'dump_app');
	diag("fingerprint stopped: $err") if $err ne '';
	return $facts;
}

# The fingerprint of a restored database against the source's, kind by
# kind; facts whose "key<TAB>value" line matches $skip are left out.
# Returns how many facts differ.
sub compare
{
	my ($label, $target, $skip) = @_;
	my %keys = map { $_ => 1 } keys %$source, keys %$target;
	my @mismatch;
	my @joined = grep {
		my $line = "$_\t" . ($source->{$_} // '(missing)');
		my $tline = "$_\t" . ($target->{$_} // '(missing)');
		!defined $skip || ($line !~ $skip && $tline !~ $skip);
	} sort keys %keys;
	for my $key (@joined)
	{
		my ($s, $t) = ($source->{$key} // '(missing)', $target->{$key} // '(missing)');
		push @mismatch, $key if $s ne $t;
	}
	for my $kind (@kinds)
	{
		my ($what, $pattern) = @$kind;
		my $total = grep { $_ =~ $pattern } @joined;
		my @differ = grep { $_ =~ $pattern } @mismatch;
		if ($total == 0)
		{
			fail("$label: nothing to compare for $what");
		}
		elsif (!@differ)
		{
			pass("$label: $what identical ($total compared)");
		}
		else
		{
			fail("$label: $what: " . scalar(@differ) . " of $total differ");
			diag(sprintf("%s: %s | %s", $_, $source->{$_} // '(missing)', $target->{$_} // '(missing)'))
			  for @differ[ 0 .. ($#differ < 11 ? $#differ : 11) ];
			diag("... and " . (@differ - 12) . " more") if @differ > 12;
		}
	}
	return scalar @mismatch;
}

# The restored database goes on working.
sub after_restore
{
	my ($label, $node, $db) = @_;
	my ($rc, $out, $err) = psql_run($node, $db, file => 'test/dump/after_restore.sql');
	my $facts = read_facts($out);
	my @next = grep { /^next id / } sort keys %$facts;
	my @behind = grep { $facts->{$_} ne 'ok' } @next;
	ok(@next && !@behind, "$label: every sequence is ahead of its ids (" . scalar(@next) . " checked)")
	  or diag(@next ? join("\n", map { "$_: $facts->{$_}" } @behind[ 0 .. ($#behind < 9 ? $#behind : 9) ])
		: '(no sequence checked)');
	is($facts->{'new rows'} // '', 'ok',
		"$label: new rows in every table, fresh ids, through the extension's functions and triggers")
	  or diag("writing new rows failed: " . (($err =~ /^(.*ERROR.*)$/m)[0] // $err));
	return;
}

# Errors a restore printed (but those matching $ignore).
sub restore_errors
{
	my ($label, $log, $ignore) = @_;
	my @errors = grep {
		/ERROR|error:/ && !/errors ignored on restore/ && (!defined $ignore || $_ !~ $ignore)
	} split /\n/, $log;
	ok(!@errors, "$label: restored without errors")
	  or diag("the restore printed " . scalar(@errors) . " errors:\n"
		  . join("\n", @errors[ 0 .. ($#errors < 7 ? $#errors : 7) ]));
	return;
}

# Runs a command against a node and returns its output and errors together.
sub run_log_of
{
	my ($node, $cmd, %opts) = @_;
	my ($rc, $out, $err) = run_on($node, $cmd, %opts);
	return $out . $err;
}

# the source database
my $t0 = time;
my $main = new_node('main');
$main->start;
$main->safe_psql('postgres', 'CREATE DATABASE src');
$main->safe_psql('src', 'CREATE EXTENSION permissions');
my ($rc, $out, $err) = psql_run($main, 'src',
	file => 'bench/sql/generate.sql',
	vars => { accounts => 2, meas_per_chart => 5, heavy_grants => 300, rp => 'dump_' });
is($rc, 0, 'the generator builds the source database') or BAIL_OUT("the generator: $err");
($rc, $out, $err) = psql_run($main, 'src',
	file => 'test/dump/build.sql',
	vars => { credfile => "$work/credential" });
is($rc, 0, 'test/dump/build.sql adds every kind of row') or BAIL_OUT("test/dump/build.sql: $err");
$cred = slurp_file("$work/credential");
$cred =~ s/\s+$//;
my ($facts, $fperr, $fprc) = fingerprint($main, 'src', $cred, 'dump_app');
is($fprc, 0, 'the fingerprint of the source') or BAIL_OUT("fingerprint of the source: $fperr");
$source = $facts;
like($source->{credential} // '', qr/^acts as user/, 'the kept credential works in the source')
  or BAIL_OUT('the kept credential does not work in the source');
{
	my @tables = grep { /^table / && !/without db_role/ } keys %$source;
	my $rows = 0;
	$rows += ($source->{$_} =~ /rows=(\d+)/)[0] // 0 for @tables;
	my $visible = 0;
	$visible += ($source->{$_} =~ /rows=(\d+)/)[0] // 0 for grep { /^visible / } keys %$source;
	note(sprintf("%d tables with %d rows, %d sequences, %d mapped roles seeing %d rows in all, "
		  . "%d policies of the application table; built in %.1fs",
		scalar(@tables), $rows, scalar(grep { /^sequence / } keys %$source),
		scalar(grep { /^mapped role / } keys %$source), $visible,
		scalar(grep { /^app policy / } keys %$source), time - $t0));
	note('not compared (internal): ' . join(' ', map { s/^ignored //r } sort grep { /^ignored / } keys %$source));
}

# control: CREATE DATABASE ... TEMPLATE src, a byte copy (the comparison
# must find nothing)
$main->safe_psql('postgres', 'CREATE DATABASE control TEMPLATE src');
compare('control', fp($main, 'control'));
after_restore('control', $main, 'control');
$main->safe_psql('postgres', 'DROP DATABASE control');

# the dumps
my %took;
my $t = time;
run_on($main, [ 'pg_dump', '-Fc', '-f', "$work/src.dump", 'src' ]);
$took{custom} = time - $t;
$t = time;
run_on($main, [ 'pg_dump', '-f', "$work/src.sql", 'src' ]);
$took{plain} = time - $t;
$t = time;
run_on($main, [ 'pg_dumpall', '-f', "$work/all.sql" ]);
$took{all} = time - $t;
run_on($main, [ 'pg_dumpall', '--globals-only', '-f', "$work/globals.sql" ]);
note(sprintf('pg_dump -Fc %.1fs (%d kB), pg_dump %.1fs, pg_dumpall %.1fs',
	$took{custom}, (-s "$work/src.dump") / 1024, $took{plain}, $took{all}));

# custom: pg_dump -Fc, pg_restore into a new database
$main->safe_psql('postgres', 'CREATE DATABASE restored_custom');
$t = time;
my $log = run_log_of($main, [ 'pg_restore', '-d', 'restored_custom', "$work/src.dump" ]);
my $restore = time - $t;
restore_errors('custom', $log);
push @summary, [ 'custom', $took{custom}, $restore, compare('custom', fp($main, 'restored_custom')) ];
after_restore('custom', $main, 'restored_custom');

# parallel: pg_restore -j 3, the extension's rows first and in order
# (pg_restore -j loads the rows of different tables at once, ignoring the
# order the extension's foreign keys need; the documented recipe restores
# the extension's rows alone first, then everything else in parallel)
$main->safe_psql('postgres', 'CREATE DATABASE restored_parallel');
$t = time;
$log = '';
for my $step (
	[ '--section=pre-data' ],
	[ '--section=data', '-n', 'permissions' ],
	[ '-j', '3', '--section=data', '-N', 'permissions' ],
	[ '-j', '3', '--section=post-data' ])
{
	my ($src, $o, $e) = run_on($main, [ 'pg_restore', '-d', 'restored_parallel', @$step, "$work/src.dump" ]);
	$log .= $o . $e;
	last if $src != 0;
}
$restore = time - $t;
restore_errors('parallel', $log);
push @summary, [ 'parallel', $took{custom}, $restore, compare('parallel', fp($main, 'restored_parallel')) ];
after_restore('parallel', $main, 'restored_parallel');

# plain: pg_dump | psql into a new database
$main->safe_psql('postgres', 'CREATE DATABASE restored_plain');
$t = time;
$log = run_log_of($main, [ 'psql', '-X', '-q', '-d', 'restored_plain', '-f', "$work/src.sql" ]);
$restore = time - $t;
restore_errors('plain', $log);
push @summary, [ 'plain', $took{plain}, $restore, compare('plain', fp($main, 'restored_plain')) ];
after_restore('plain', $main, 'restored_plain');

# dumpall: pg_dumpall into a fresh second cluster (whose bootstrap superuser
# exists already)
my $second = new_node('second');
$second->start;
my $superuser = $second->safe_psql('postgres', 'SELECT current_user');
$t = time;
$log = run_log_of($second, [ 'psql', '-X', '-q', '-d', 'postgres', '-f', "$work/all.sql" ]);
$restore = time - $t;
restore_errors('dumpall', $log, qr/role "\Q$superuser\E" already exists/);
push @summary, [ 'dumpall', $took{all}, $restore, compare('dumpall', fp($second, 'src')) ];
after_restore('dumpall', $second, 'src');
$second->stop;

# lost role: pg_restore into a fresh cluster without the role dump_gone
my $third = new_node('third');
$third->start;
my $globals = join("\n", grep { !/\bdump_gone\b/ } split /\n/, slurp_file("$work/globals.sql"));
run_on($third, [ 'psql', '-X', '-q', '-d', 'postgres' ], stdin => $globals);
$third->safe_psql('postgres', 'CREATE DATABASE src');
$t = time;
$log = run_log_of($third, [ 'pg_restore', '-d', 'src', "$work/src.dump" ]);
$restore = time - $t;
# users are compared without db_role (a user manager sees it too); the lost
# role neither sees nor is seen
my $lost = compare('lost', fp($third, 'src'),
	qr/^(table permissions\.users\t|visible dump_gone |mapped role dump_gone\t|visible dump_manager permissions\.users\t)/);
my $mapping = psql_value($third, 'src',
	"SELECT coalesce(db_role::text, 'NULL') || ' ' || coalesce(db_role_name::text, 'NULL') "
	  . "FROM permissions.users WHERE username = 'a1_therapist2'");
note("what the restore did with the mapping of user a1_therapist2 (role dump_gone in the source): "
	  . "db_role db_role_name = " . ($mapping eq '' ? '(no such user)' : $mapping));
is($mapping, 'NULL dump_gone', 'lost: the user is restored unmapped, the role\'s name kept');
my @printed = grep { /ERROR|error|WARNING/ } split /\n/, $log;
note("what pg_restore printed:\n" . (@printed ? join("\n", @printed[ 0 .. ($#printed < 5 ? $#printed : 5) ]) : '(nothing)'));
# once the role exists, one call maps the user again, who then sees what it saw
$third->safe_psql('postgres', 'CREATE ROLE dump_gone');
my $remap = psql_value($third, 'src', 'SELECT username || \' \' || mapped FROM permissions.restore_role_mappings()');
like($remap, qr/^a1_therapist2 true$/m, 'lost: restore_role_mappings() maps the user again');
my $remapped = fp($third, 'src');
my @gone = sort grep { /^(visible dump_gone |mapped role dump_gone$)/ } keys %$source;
my @differ = grep { ($remapped->{$_} // '(missing)') ne $source->{$_} } @gone;
my @extra = grep { /^(visible dump_gone |mapped role dump_gone$)/ && !exists $source->{$_} } keys %$remapped;
ok(@gone && !@differ && !@extra,
	'remapped: what the user of role dump_gone sees identical (' . scalar(@gone) . ' compared)')
  or diag("differs: " . join(', ', @differ, @extra));
after_restore('lost', $third, 'src');
push @summary, [ 'lost role', $took{custom}, $restore, $lost ];

note(sprintf("%-11s %8s  %11s  %s", 'path', 'dump (s)', 'restore (s)',
	'facts differing (of ' . scalar(keys %$source) . ')'));
note(sprintf("%-11s %8.1f  %11.1f  %s", @$_)) for @summary;

done_testing();
