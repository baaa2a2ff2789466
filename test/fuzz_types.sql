--
-- fuzz_types.sql
--	  Fuzz the input functions of permissions.tier, role, user_type and
--	  permset (and the text[] to permset cast) with random and hostile
--	  strings.
--
-- Every generated string is cast to each type inside its own exception
-- block.  Accepted values must round-trip (output, then input again, gives
-- the same value and the same text) and acceptance must agree with an
-- independent SQL model of the input grammar; rejections must be the
-- documented invalid_text_representation error (any other error, or a
-- crash, stops the run).  Prints accepted/rejected counts per type.
--
-- Run through test/fuzz_types.sh, or directly:
--	  psql -X -v iterations=300000 -v seed=0.5 -f test/fuzz_types.sql
--
\set ON_ERROR_STOP on
\if :{?iterations}
\else
\set iterations 300000
\endif
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?batch}
\else
\set batch 10000
\endif

SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;

-- counts accumulated over all batches
CREATE TEMP TABLE fuzz_counts (
	type_name	text PRIMARY KEY,
	accepted	bigint NOT NULL DEFAULT 0,
	rejected	bigint NOT NULL DEFAULT 0
);
INSERT INTO fuzz_counts (type_name)
	VALUES ('tier'), ('role'), ('user_type'), ('permset'), ('permset_from_array');

-- uniform random integer in [0, n)
CREATE FUNCTION pg_temp.rnd(n int) RETURNS int
LANGUAGE sql AS $$ SELECT floor(random() * n)::int $$;

-- ASCII-only lower-casing, as the input functions do it
CREATE FUNCTION pg_temp.lower_ascii(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT translate(s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
$$;

-- strip the whitespace the input functions ignore
CREATE FUNCTION pg_temp.trim_ws(s text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT btrim(s, E' \t\n\r\f\013') $$;

-- one random character: mostly ASCII, some control, Latin, BMP and astral
CREATE FUNCTION pg_temp.random_char(utf8 boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r float8 := random();
	cp int;
BEGIN
	IF NOT utf8 OR r < 0.60 THEN
		cp := 32 + pg_temp.rnd(95);
	ELSIF r < 0.70 THEN
		cp := 1 + pg_temp.rnd(31);
	ELSIF r < 0.80 THEN
		cp := 128 + pg_temp.rnd(1920);
	ELSIF r < 0.92 THEN
		cp := 2048 + pg_temp.rnd(63486 - 2048);
		IF cp BETWEEN 55296 AND 57343 THEN	-- no surrogates
			cp := cp - 8192;
		END IF;
	ELSE
		cp := 65536 + pg_temp.rnd(1114112 - 65536);
	END IF;
	IF NOT utf8 AND random() < 0.1 THEN
		cp := 1 + pg_temp.rnd(31);
	END IF;
	RETURN chr(cp);
END
$$;

-- change a valid name slightly: the near misses an input function must reject
CREATE FUNCTION pg_temp.mutate(s text, utf8 boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	n int := length(s);
	i int := 1 + pg_temp.rnd(greatest(n, 1));
BEGIN
	CASE pg_temp.rnd(10)
		WHEN 0 THEN RETURN overlay(s PLACING '' FROM i FOR 1);	-- drop a char
		WHEN 1 THEN RETURN overlay(s PLACING substr(s, i, 1) || substr(s, i, 1) FROM i FOR 1);
		WHEN 2 THEN RETURN overlay(s PLACING pg_temp.random_char(utf8) FROM i FOR 1);
		WHEN 3 THEN RETURN overlay(s PLACING pg_temp.random_char(utf8) FROM i FOR 0);
		WHEN 4 THEN RETURN overlay(s PLACING ' ' FROM i FOR 0);	-- inner space
		WHEN 5 THEN RETURN left(s, pg_temp.rnd(greatest(n, 1)));	-- truncate
		WHEN 6 THEN RETURN s || (ARRAY['s', '_', '1', 'x', '.', ';', '-'])[1 + pg_temp.rnd(7)];
		WHEN 7 THEN RETURN replace(s, '_', (ARRAY['-', ' ', '', '__', '.'])[1 + pg_temp.rnd(5)]);
		WHEN 8 THEN RETURN upper(s);	-- valid: case is ignored
		ELSE
			IF utf8 THEN	-- look-alikes that fold to ASCII in some locales
				RETURN replace(replace(replace(s, 'i', chr(305)), 'k', chr(8490)), 's', chr(383));
			END IF;
			RETURN initcap(s);
	END CASE;
END
$$;

-- one generated input string
CREATE FUNCTION pg_temp.fuzz_string(names text[], frags text[], utf8 boolean) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	kind int := pg_temp.rnd(1000);
	s text := '';
	k int;
	ws text[] := ARRAY['', '', '', ' ', '  ', E'\t', E'\n', E'\r', E'\f', E'\013', E' \t\n '];
BEGIN
	IF kind < 150 THEN
		-- random characters
		FOR k IN 1 .. pg_temp.rnd(24) LOOP
			s := s || pg_temp.random_char(utf8);
		END LOOP;
	ELSIF kind < 350 THEN
		-- a valid name, random case and whitespace around it
		s := names[1 + pg_temp.rnd(cardinality(names))];
		IF random() < 0.5 THEN
			s := upper(s);
		ELSIF random() < 0.3 THEN
			s := initcap(s);
		END IF;
		s := ws[1 + pg_temp.rnd(cardinality(ws))] || s || ws[1 + pg_temp.rnd(cardinality(ws))];
	ELSIF kind < 500 THEN
		-- a near miss
		s := pg_temp.mutate(names[1 + pg_temp.rnd(cardinality(names))], utf8);
	ELSIF kind < 800 THEN
		-- something shaped like a permission set
		FOR k IN 1 .. pg_temp.rnd(6) LOOP
			IF k > 1 THEN
				s := s || ws[1 + pg_temp.rnd(cardinality(ws))]
					|| (ARRAY[',', ',', ',', ',', ',', ',', ',', ',,', ';', ' ', '}', '{', ''])[1 + pg_temp.rnd(13)]
					|| ws[1 + pg_temp.rnd(cardinality(ws))];
			END IF;
			CASE pg_temp.rnd(10)
				WHEN 0 THEN s := s || pg_temp.mutate(names[1 + pg_temp.rnd(cardinality(names))], utf8);
				WHEN 1 THEN s := s || frags[1 + pg_temp.rnd(cardinality(frags))];
				WHEN 2 THEN s := s || upper(names[1 + pg_temp.rnd(cardinality(names))]);
				ELSE s := s || names[1 + pg_temp.rnd(cardinality(names))];
			END CASE;
		END LOOP;
		IF random() < 0.9 THEN
			s := ws[1 + pg_temp.rnd(cardinality(ws))] || '{' || s || '}'
				|| ws[1 + pg_temp.rnd(cardinality(ws))];
		ELSIF random() < 0.5 THEN
			s := '{' || s;
		END IF;
	ELSIF kind < 990 THEN
		-- hostile fragments glued together
		FOR k IN 1 .. 1 + pg_temp.rnd(8) LOOP
			s := s || frags[1 + pg_temp.rnd(cardinality(frags))];
		END LOOP;
	ELSIF kind < 995 THEN
		s := '';
	ELSE
		-- very long strings, valid and invalid
		k := 1000 + pg_temp.rnd(100000);
		CASE pg_temp.rnd(6)
			WHEN 0 THEN s := repeat(' ', k) || names[1 + pg_temp.rnd(cardinality(names))] || repeat(E'\n', k);
			WHEN 1 THEN s := '{' || repeat(names[1 + pg_temp.rnd(cardinality(names))] || ',', k / 10) || 'manage_users}';
			WHEN 2 THEN s := repeat('x', k);
			WHEN 3 THEN s := '{' || repeat('{', k) || repeat('}', k);
			WHEN 4 THEN s := '{' || repeat(' , ', k) || '}';
			ELSE s := repeat(frags[1 + pg_temp.rnd(cardinality(frags))], k / 4);
		END CASE;
	END IF;
	RETURN s;
END
$$;

-- what an enum-like input function should make of s: canonical text, or NULL to reject
CREATE FUNCTION pg_temp.expect_enum(s text, spellings text[], canon text[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT canon[array_position(spellings, pg_temp.lower_ascii(pg_temp.trim_ws(s)))]
$$;

-- what permset input should make of s: the bitmap, or NULL to reject
CREATE FUNCTION pg_temp.expect_permset(s text, perms text[]) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	t text := pg_temp.trim_ws(s);
	inner_text text;
	part text;
	w text;
	bit int;
	result bigint := 0;
BEGIN
	IF length(t) < 2 OR left(t, 1) <> '{' OR right(t, 1) <> '}' THEN
		RETURN NULL;
	END IF;
	inner_text := substr(t, 2, length(t) - 2);
	IF pg_temp.trim_ws(inner_text) = '' THEN
		RETURN 0;
	END IF;
	FOREACH part IN ARRAY string_to_array(inner_text, ',') LOOP
		w := pg_temp.trim_ws(part);
		IF w = '' OR translate(w, E' \t\n\r\f\013{}', '') <> w THEN
			RETURN NULL;
		END IF;
		bit := array_position(perms, pg_temp.lower_ascii(w));
		IF bit IS NULL THEN
			RETURN NULL;
		END IF;
		result := result | (1::bigint << (bit - 1));
	END LOOP;
	RETURN result;
END
$$;

-- what the text[] cast should make of the elements: the bitmap, or NULL to reject
CREATE FUNCTION pg_temp.expect_array(a text[], perms text[]) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	e text;
	bit int;
	result bigint := 0;
BEGIN
	FOREACH e IN ARRAY a LOOP
		bit := array_position(perms, pg_temp.lower_ascii(pg_temp.trim_ws(e)));
		IF bit IS NULL THEN
			RETURN NULL;
		END IF;
		result := result | (1::bigint << (bit - 1));
	END LOOP;
	RETURN result;
END
$$;

-- a permset's bitmap, read from its binary send form
CREATE FUNCTION pg_temp.permset_bits(p permissions.permset) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$
	SELECT ('x' || encode(permissions.permset_send(p), 'hex'))::bit(64)::bigint
$$;

-- run one batch of n strings through every input function and add up the counts
CREATE FUNCTION pg_temp.fuzz_batch(n int) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	utf8 boolean := getdatabaseencoding() = 'UTF8';
	perms text[] := permissions.permission_names();
	tier_spellings text[] := ARRAY['none', 'tier4', 'tier3', 'tier2', 'tier1',
		'read_only', 'read_write', 'read_write_delete', 'full_control'];
	tier_canon text[] := ARRAY['none', 'tier4', 'tier3', 'tier2', 'tier1',
		'tier4', 'tier3', 'tier2', 'tier1'];
	role_names text[] := ARRAY['user', 'manager'];
	user_type_names text[] := ARRAY['full_access', 'single_performer', 'read_only'];
	names text[];
	frags text[];
	s text;
	arr text[];
	expected text;
	expected_bits bigint;
	t permissions.tier;
	r permissions.role;
	u permissions.user_type;
	p permissions.permset;
	acc int[] := ARRAY[0, 0, 0, 0, 0];
	rej int[] := ARRAY[0, 0, 0, 0, 0];
	i int;
BEGIN
	names := tier_spellings || role_names || user_type_names || perms;
	frags := ARRAY['{', '}', ',', '"', '''', '\', '\\', ' ', E'\t', E'\n', E'\r',
		E'\f', E'\013', '{}', '{,}', ',,', '""', 'NULL', 'null', '%s', '%n', '%%',
		'$1', '[]', '()', ';', '--', '/*', '*/', 'tier', 'manage_', '_', '0', '-1',
		'user', 'none', 'read_', 'tier1', 'manager', 'manage_users'];
	IF utf8 THEN
		frags := frags || ARRAY[chr(160), chr(8203), chr(65279), chr(8238), chr(305),
			chr(304), chr(8490), chr(383), chr(769), chr(65348), chr(128512),
			chr(1114111), chr(65534), chr(12288), chr(133), chr(8232)];
	END IF;

	FOR i IN 1 .. n LOOP
		s := pg_temp.fuzz_string(names, frags, utf8);

		-- tier
		expected := pg_temp.expect_enum(s, tier_spellings, tier_canon);
		BEGIN
			t := s::permissions.tier;
			acc[1] := acc[1] + 1;
			IF expected IS NULL OR t::text <> expected
			   OR permissions.tier_send(t::text::permissions.tier) <> permissions.tier_send(t)
			   OR t::text::permissions.tier::text <> t::text THEN
				RAISE EXCEPTION 'tier accepted % as %, expected %', to_json(s), t, expected;
			END IF;
		EXCEPTION WHEN invalid_text_representation THEN
			rej[1] := rej[1] + 1;
			IF expected IS NOT NULL THEN
				RAISE EXCEPTION 'tier rejected %, expected %', to_json(s), expected;
			END IF;
		END;

		-- role
		expected := pg_temp.expect_enum(s, role_names, role_names);
		BEGIN
			r := s::permissions.role;
			acc[2] := acc[2] + 1;
			IF expected IS NULL OR r::text <> expected
			   OR permissions.role_send(r::text::permissions.role) <> permissions.role_send(r) THEN
				RAISE EXCEPTION 'role accepted % as %, expected %', to_json(s), r, expected;
			END IF;
		EXCEPTION WHEN invalid_text_representation THEN
			rej[2] := rej[2] + 1;
			IF expected IS NOT NULL THEN
				RAISE EXCEPTION 'role rejected %, expected %', to_json(s), expected;
			END IF;
		END;

		-- user_type
		expected := pg_temp.expect_enum(s, user_type_names, user_type_names);
		BEGIN
			u := s::permissions.user_type;
			acc[3] := acc[3] + 1;
			IF expected IS NULL OR u::text <> expected
			   OR permissions.user_type_send(u::text::permissions.user_type) <> permissions.user_type_send(u) THEN
				RAISE EXCEPTION 'user_type accepted % as %, expected %', to_json(s), u, expected;
			END IF;
		EXCEPTION WHEN invalid_text_representation THEN
			rej[3] := rej[3] + 1;
			IF expected IS NOT NULL THEN
				RAISE EXCEPTION 'user_type rejected %, expected %', to_json(s), expected;
			END IF;
		END;

		-- permset
		expected_bits := pg_temp.expect_permset(s, perms);
		BEGIN
			p := s::permissions.permset;
			acc[4] := acc[4] + 1;
			IF expected_bits IS NULL OR pg_temp.permset_bits(p) <> expected_bits
			   OR pg_temp.permset_bits(p::text::permissions.permset) <> expected_bits
			   OR p::text::permissions.permset::text <> p::text
			   OR pg_temp.permset_bits(p::text[]::permissions.permset) <> expected_bits THEN
				RAISE EXCEPTION 'permset accepted % as %, expected bits %', to_json(s), p, expected_bits;
			END IF;
		EXCEPTION WHEN invalid_text_representation THEN
			rej[4] := rej[4] + 1;
			IF expected_bits IS NOT NULL THEN
				RAISE EXCEPTION 'permset rejected %, expected bits %', to_json(s), expected_bits;
			END IF;
		END;

		-- text[] to permset, splitting the string on commas and braces
		arr := regexp_split_to_array(s, '[,{}]');
		expected_bits := pg_temp.expect_array(arr, perms);
		BEGIN
			p := arr::permissions.permset;
			acc[5] := acc[5] + 1;
			IF expected_bits IS NULL OR pg_temp.permset_bits(p) <> expected_bits THEN
				RAISE EXCEPTION 'text[] cast accepted % as %, expected bits %', to_json(arr), p, expected_bits;
			END IF;
		EXCEPTION WHEN invalid_parameter_value THEN
			rej[5] := rej[5] + 1;
			IF expected_bits IS NOT NULL THEN
				RAISE EXCEPTION 'text[] cast rejected %, expected bits %', to_json(arr), expected_bits;
			END IF;
		END;
	END LOOP;

	UPDATE fuzz_counts c
	SET accepted = c.accepted + v.a, rejected = c.rejected + v.r
	FROM (VALUES ('tier', acc[1], rej[1]), ('role', acc[2], rej[2]),
	             ('user_type', acc[3], rej[3]), ('permset', acc[4], rej[4]),
	             ('permset_from_array', acc[5], rej[5])) AS v(type_name, a, r)
	WHERE c.type_name = v.type_name;
END
$$;

-- run the batches, each in its own transaction, with their output discarded
\o /dev/null
SELECT setseed(:seed);
SELECT format('SELECT pg_temp.fuzz_batch(%s)', least(:batch, :iterations - (b - 1) * :batch))
FROM generate_series(1, ceil(:iterations::numeric / :batch)::int) AS b
\gexec
\o

SELECT type_name AS type, accepted, rejected, accepted + rejected AS total
FROM fuzz_counts
ORDER BY array_position(ARRAY['tier', 'role', 'user_type', 'permset', 'permset_from_array'], type_name);
