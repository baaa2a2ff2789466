#!/bin/sh
#
# fuzz_types.sh
#	  Run test/fuzz_types.sql against the current cluster: pushes random and
#	  hostile strings through the input functions of the extension's types
#	  and prints how many each accepted and rejected.
#
# Usage: test/fuzz_types.sh [iterations [seed]]
#	iterations	number of generated strings (default 300000); each one is
#				tried against every type
#	seed		random seed between -1 and 1 (default 0.42)
#
# The database comes from the usual libpq environment (PGDATABASE, PGHOST,
# PGPORT, PGUSER); the extension is created if it is not there yet.

set -eu

iterations=${1:-300000}
seed=${2:-0.42}

case $iterations in
	''|*[!0-9]*) echo "usage: $0 [iterations [seed]]" >&2; exit 2 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)

exec psql -X -q -v ON_ERROR_STOP=1 \
	-v iterations="$iterations" -v seed="$seed" \
	-f "$here/fuzz_types.sql"
