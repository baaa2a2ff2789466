# Makefile for the permissions extension (PGXS)

EXTENSION = permissions
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = permissions
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))

# permissions--1.0.sql is the released 1.0 script, frozen as shipped.  Each
# later version is an update script assembled from the fragments in
# upgrade/<version>/ (in name order); a fresh install of the newest version
# runs the 1.0 script and then every update, so both paths give the same
# objects.
UPDATE_SCRIPTS = $(EXTENSION)--1.0--1.1.sql
DATA = $(EXTENSION)--1.0.sql
DATA_built = $(UPDATE_SCRIPTS)

REGRESS = $(basename $(notdir $(sort $(wildcard sql/*.sql))))
REGRESS_OPTS = --inputdir=. --load-extension=plpgsql
ISOLATION = $(basename $(notdir $(sort $(wildcard specs/*.spec))))
ISOLATION_OPTS = --inputdir=.

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

$(EXTENSION)--1.0--1.1.sql: $(sort $(wildcard upgrade/1.1/*.sql)) upgrade/1.1
	cat $(filter %.sql,$^) > $@
