# Makefile for the permissions extension (PGXS)

EXTENSION = permissions
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = permissions
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# The install script of the current version is built from install/*.sql (in
# name order): one file per concern, every object defined once, in its
# current form.  permissions--1.0.sql is the released 1.0 script, frozen as
# shipped.  Each update script is written by hand, as the fragments in
# upgrade/<version>/ (in name order).  test/ci/25_upgrade_catalog.sh proves
# that a fresh install and an install of 1.0 updated to the current version
# have the same objects.  See docs/design-sql-sources.md.
CURRENT_SCRIPT = $(EXTENSION)--$(EXTVERSION).sql
UPDATE_SCRIPTS = $(EXTENSION)--1.0--1.1.sql
DATA = $(EXTENSION)--1.0.sql
DATA_built = $(CURRENT_SCRIPT) $(UPDATE_SCRIPTS)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=plpgsql
ISOLATION = $(basename $(notdir $(sort $(wildcard specs/*.spec))))
ISOLATION_OPTS = --inputdir=.
# the cluster tests (dump and restore, replication, upgrades): t/*.pl, on
# PostgreSQL::Test::Cluster; make prove_installcheck runs them (as a user
# other than root: initdb refuses root), test/prove in CI.  See
# docs/testing-tap.md.
TAP_TESTS = 1

PG_CPPFLAGS = -I$(srcdir)/src
# Warnings are errors in CI (scripts/test builds with COPT=-Werror), not
# here: a new compiler's new warning must not stop a user's build.
PG_CFLAGS = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare -Wno-clobbered
# OpenSSL's libcrypto (the library the server itself links) verifies token signatures
SHLIB_LINK = -lcrypto

EXTRA_CLEAN = results output_iso regression.diffs regression.out

# rebuild objects when a header they include changes
override autodepend = yes

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS runs the TAP tests within installcheck only; this runs them alone
.PHONY: prove_installcheck
prove_installcheck:
	$(prove_installcheck)

$(EXTENSION)--1.0--1.1.sql: $(sort $(wildcard upgrade/1.1/*.sql)) upgrade/1.1
	cat $(filter %.sql,$^) > $@

# (install/. and not install: "install" is also a target)
$(CURRENT_SCRIPT): $(sort $(wildcard install/*.sql)) install/.
	cat $(filter %.sql,$^) > $@
