
-- install/75_tokens.sql
-- ---------------------------------------------------------------------------
-- Identity from signed tokens (JWS compact serialization, "JWT"), verified in
-- C (src/token.c, src/jws.c, src/jws_crypto.c).  A DBA registers issuers and
-- their keys; a DBA or a manager of the user's account maps each subject of
-- an issuer to a user; an application calls authenticate_token() with the
-- token its end-user logged in with (PostgREST: authenticate_request()).  A
-- token says who, never what.  The tables are in 35_identity.sql, their
-- rules in 53_rules_tokens.sql, key rotation from an issuer's published key
-- set in 76_token_rotation.sql.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.authenticate_token(token text, session boolean DEFAULT false)
RETURNS bigint
AS 'MODULE_PATHNAME', 'token_authenticate'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.authenticate_token(text, boolean) IS
'Verifies a signed token (compact JWS: EdDSA, ES256, RS256, or HS256 where a DBA registered a secret) against the keys of its issuer, and makes the transaction (default) or the session (only for roles a DBA allowed) act as the user its subject is mapped to. Returns the user id. Every failure is the error "invalid token" and ends every credential and token identity of the session; the server log says which value failed.';

CREATE FUNCTION permissions.authenticate_request()
RETURNS bigint
AS 'MODULE_PATHNAME', 'token_authenticate_request'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION permissions.authenticate_request() IS
'PostgREST''s db-pre-request: makes the transaction act as the user of the bearer token in the request.headers setting (authorization: Bearer <token>, scheme in any case), verified as authenticate_token() does; returns the user id. No Authorization header, or a token without "sub" (an anon key): nobody acts and it returns NULL. Any other Authorization header, or a refused token: the error "invalid token", nobody acting. request.jwt.claims and every other request setting are ignored.';

CREATE FUNCTION permissions.token_public_key(algorithm text, key text)
RETURNS text
AS 'MODULE_PATHNAME', 'token_public_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.token_public_key(text, text) IS
'Internal: checks that a public key (PEM or JSON Web Key) fits a token algorithm (Ed25519 keys: canonical, not of small order, of the prime-order subgroup) and returns it as PEM.';
REVOKE ALL ON FUNCTION permissions.token_public_key(text, text) FROM PUBLIC;

CREATE FUNCTION permissions.token_shared_secret(secret text)
RETURNS bytea
AS 'MODULE_PATHNAME', 'token_shared_secret'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.token_shared_secret(text) IS
'Internal: the bytes of an HS256 secret (text, or a JSON Web Key of kty "oct"); refuses secrets under 256 bits and anything that reads as a key in any encoding.';
REVOKE ALL ON FUNCTION permissions.token_shared_secret(text) FROM PUBLIC;

CREATE FUNCTION permissions.token_secret_problem(secret bytea)
RETURNS text
AS 'MODULE_PATHNAME', 'token_secret_problem'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.token_secret_problem(bytea) IS
'Internal: why bytes may not be an HS256 secret (under 256 bits, or a key in PEM, DER, base64, hex, JWK, OpenSSH or any form OpenSSL reads), or NULL.';
REVOKE ALL ON FUNCTION permissions.token_secret_problem(bytea) FROM PUBLIC;

CREATE FUNCTION permissions.token_secret_holds_key(secret bytea, algorithm text, public_key text)
RETURNS boolean
AS 'MODULE_PATHNAME', 'token_secret_holds_key'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION permissions.token_secret_holds_key(bytea, text, text) IS
'Internal: whether an HS256 secret holds the material of a public key (raw, coordinates, modulus or DER, as bytes, base64 or hex).';
REVOKE ALL ON FUNCTION permissions.token_secret_holds_key(bytea, text, text) FROM PUBLIC;

CREATE FUNCTION permissions.token_cache_stats(OUT verified bigint, OUT remembered bigint,
                                              OUT keys_parsed bigint)
AS 'MODULE_PATHNAME', 'token_cache_stats'
LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION permissions.token_cache_stats() IS
'This backend''s token signature checks since it started: verified with the key, known good from an earlier verification of the same token with the same key, and public keys parsed.';

-- ---------------------------------------------------------------------------
-- Issuers and keys (DBAs)
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.register_token_issuer(issuer text, account_id bigint DEFAULT NULL,
                                                  max_lifetime interval DEFAULT NULL,
                                                  clock_skew interval DEFAULT NULL,
                                                  key_grace interval DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    found_issuer record;
    issuer_id bigint;
BEGIN
    PERFORM permissions.require_superuser('register token issuers');
    SELECT i.id, i.account_id, i.max_lifetime, i.clock_skew, i.key_grace INTO found_issuer
      FROM permissions.token_issuers i
     WHERE i.issuer OPERATOR(pg_catalog.=) register_token_issuer.issuer FOR UPDATE;
    IF found_issuer.id IS NULL THEN
        INSERT INTO permissions.token_issuers AS i (issuer, account_id, max_lifetime, clock_skew, key_grace)
        VALUES (register_token_issuer.issuer, register_token_issuer.account_id,
                coalesce(register_token_issuer.max_lifetime, interval '1 hour'),
                coalesce(register_token_issuer.clock_skew, interval '1 minute'),
                coalesce(register_token_issuer.key_grace, interval '1 day'))
        RETURNING i.id INTO issuer_id;
        RETURN issuer_id;
    END IF;
    -- registered already: a binding changes only through bind_token_issuer(),
    -- a setting only when it is passed
    IF register_token_issuer.account_id IS NOT NULL
       AND register_token_issuer.account_id IS DISTINCT FROM found_issuer.account_id THEN
        RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
            MESSAGE = pg_catalog.format('token issuer "%s" is already registered, %s', register_token_issuer.issuer,
                                        CASE WHEN found_issuer.account_id IS NULL THEN 'shared by every tenant'
                                             ELSE pg_catalog.format('bound to account %s', found_issuer.account_id) END),
            DETAIL = 'Which tenant an issuer''s subjects belong to changes only when asked for explicitly.',
            HINT = pg_catalog.format('To bind it to account %s, run SELECT permissions.bind_token_issuer(%L, %s).',
                                     register_token_issuer.account_id, register_token_issuer.issuer,
                                     register_token_issuer.account_id);
    END IF;
    IF register_token_issuer.max_lifetime IS DISTINCT FROM found_issuer.max_lifetime
          AND register_token_issuer.max_lifetime IS NOT NULL
       OR register_token_issuer.clock_skew IS DISTINCT FROM found_issuer.clock_skew
          AND register_token_issuer.clock_skew IS NOT NULL
       OR register_token_issuer.key_grace IS DISTINCT FROM found_issuer.key_grace
          AND register_token_issuer.key_grace IS NOT NULL THEN
        UPDATE permissions.token_issuers i
           SET max_lifetime = coalesce(register_token_issuer.max_lifetime, i.max_lifetime),
               clock_skew = coalesce(register_token_issuer.clock_skew, i.clock_skew),
               key_grace = coalesce(register_token_issuer.key_grace, i.key_grace)
         WHERE i.id OPERATOR(pg_catalog.=) found_issuer.id;
    END IF;
    RETURN found_issuer.id;
END
$$;
COMMENT ON FUNCTION permissions.register_token_issuer(text, bigint, interval, interval, interval) IS
'DBA: registers a token issuer ("iss"): the account whose subtree its subjects belong to (NULL: shared by every tenant; only DBAs map its subjects), the longest token lifetime accepted (default 1 hour), the clock skew tolerated for nbf and iat (default 1 minute), how long an unpublished key keeps verifying (key_grace, default 1 day). On a registered issuer it changes only the settings passed (NULL keeps one) and never the binding: a different account_id is an error (use bind_token_issuer()). Returns its id.';

CREATE FUNCTION permissions.bind_token_issuer(issuer text, account_id bigint)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM permissions.require_superuser('bind token issuers');
    UPDATE permissions.token_issuers i SET account_id = bind_token_issuer.account_id
     WHERE i.issuer OPERATOR(pg_catalog.=) bind_token_issuer.issuer
       AND i.account_id IS DISTINCT FROM bind_token_issuer.account_id;
    IF NOT FOUND AND NOT EXISTS (SELECT 1 FROM permissions.token_issuers i
                                  WHERE i.issuer OPERATOR(pg_catalog.=) bind_token_issuer.issuer) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', bind_token_issuer.issuer),
            HINT = 'Register it with permissions.register_token_issuer(issuer, account_id => ...).';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.bind_token_issuer(text, bigint) IS
'DBA: binds a token issuer to an account (its subjects must then be users of that account''s subtree, mapped by its managers), or with NULL makes it shared by every tenant (only DBAs map its subjects). Mappings of users outside the new subtree stop giving identities at the next statement. Audited.';

CREATE FUNCTION permissions.register_token_key(issuer text, key_id text, algorithm text,
                                               public_key text, audience text DEFAULT NULL,
                                               not_before timestamptz DEFAULT NULL,
                                               not_after timestamptz DEFAULT NULL,
                                               allow_shared_secret boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    new_id bigint;
BEGIN
    PERFORM permissions.require_superuser('register token keys');
    IF NOT EXISTS (SELECT FROM permissions.token_issuers i
                    WHERE i.issuer OPERATOR(pg_catalog.=) register_token_key.issuer) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', register_token_key.issuer),
            HINT = pg_catalog.format('Register it first with SELECT permissions.register_token_issuer(%L, account_id => ...): binding it to a tenant, or not, is a decision to make.',
                                     register_token_key.issuer);
    END IF;
    IF register_token_key.algorithm IS NULL
       OR register_token_key.algorithm OPERATOR(pg_catalog.<>) ALL (ARRAY['EdDSA', 'ES256', 'RS256', 'HS256']) THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('unsupported token algorithm "%s"', register_token_key.algorithm),
            HINT = 'Use EdDSA, ES256 or RS256 (or HS256 with allow_shared_secret => true).';
    END IF;
    IF register_token_key.algorithm OPERATOR(pg_catalog.=) 'HS256' AND NOT register_token_key.allow_shared_secret THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'HS256 keys are shared secrets and must be allowed explicitly',
            DETAIL = 'Whoever holds an HS256 secret can sign tokens for any subject of the issuer; public-key algorithms keep the signing key with the identity provider.',
            HINT = 'Prefer EdDSA, ES256 or RS256; to register a secret anyway, pass allow_shared_secret => true.';
    END IF;
    IF register_token_key.public_key IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed',
            MESSAGE = 'a token key needs its public key (or, for HS256, its secret)';
    END IF;
    -- the key rules trigger checks the rest: the key id, the material, the window
    INSERT INTO permissions.token_keys (issuer, key_id, algorithm, public_key, secret, audience,
                                        not_before, not_after)
    VALUES (register_token_key.issuer, register_token_key.key_id, register_token_key.algorithm,
            CASE WHEN register_token_key.algorithm OPERATOR(pg_catalog.<>) 'HS256'
                 THEN register_token_key.public_key END,
            CASE WHEN register_token_key.algorithm OPERATOR(pg_catalog.=) 'HS256'
                 THEN permissions.token_shared_secret(register_token_key.public_key) END,
            register_token_key.audience, register_token_key.not_before, register_token_key.not_after)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.register_token_key(text, text, text, text, text, timestamptz, timestamptz, boolean) IS
'DBA: registers a signature key of a registered token issuer: its "kid", its one algorithm (EdDSA, ES256, RS256; HS256 only with allow_shared_secret => true), the public key as PEM or JSON Web Key (for HS256: the secret, at least 256 bits and never a key), the audience its tokens must name, and an optional validity window (not already over). Returns the key''s id.';

CREATE FUNCTION permissions.delete_token_key(issuer text, key_id text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM permissions.require_superuser('delete token keys');
    IF NOT EXISTS (SELECT FROM permissions.token_issuers i
                    WHERE i.issuer OPERATOR(pg_catalog.=) delete_token_key.issuer) THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', delete_token_key.issuer),
            HINT = 'List the issuers with SELECT issuer FROM permissions.token_issuers.';
    END IF;
    DELETE FROM permissions.token_keys k
     WHERE k.issuer OPERATOR(pg_catalog.=) delete_token_key.issuer
       AND k.key_id OPERATOR(pg_catalog.=) delete_token_key.key_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" does not exist',
                                        delete_token_key.key_id, delete_token_key.issuer),
            HINT = 'List the keys with SELECT issuer, key_id FROM permissions.token_keys.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.delete_token_key(text, text) IS
'DBA: deletes a token key; every identity it verified ends at the next statement of its session.';

CREATE FUNCTION permissions.delete_token_issuer(issuer text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    PERFORM permissions.require_superuser('delete token issuers');
    DELETE FROM permissions.token_issuers i WHERE i.issuer OPERATOR(pg_catalog.=) delete_token_issuer.issuer;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', delete_token_issuer.issuer),
            HINT = 'List the issuers with SELECT issuer FROM permissions.token_issuers.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.delete_token_issuer(text) IS
'DBA: deletes a token issuer with its keys and subject mappings; every identity its tokens gave ends at the next statement of its session.';

-- ---------------------------------------------------------------------------
-- Subject mappings (DBAs; managers of the user's account for issuers bound
-- to it)
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.map_token_subject(issuer text, subject text, user_id bigint,
                                              remap boolean DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    existing record;
    new_id bigint;
BEGIN
    SELECT s.id, s.user_id INTO existing FROM permissions.token_subjects s
     WHERE s.issuer OPERATOR(pg_catalog.=) map_token_subject.issuer
       AND s.subject OPERATOR(pg_catalog.=) map_token_subject.subject;
    IF existing.id IS NOT NULL AND existing.user_id OPERATOR(pg_catalog.=) map_token_subject.user_id THEN
        RETURN existing.id;
    END IF;
    IF existing.id IS NOT NULL AND NOT map_token_subject.remap THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('subject "%s" of token issuer "%s" is already mapped to another user',
                                        map_token_subject.subject, map_token_subject.issuer),
            DETAIL = 'Moving a subject to another user makes whoever holds its tokens act as that user; it is never the side effect of a repeated call.',
            HINT = 'To move it, pass remap => true (audited; the identities the old mapping gave end), or remove it first with permissions.unmap_token_subject().';
    END IF;
    IF existing.id IS NOT NULL THEN
        DELETE FROM permissions.token_subjects s WHERE s.id OPERATOR(pg_catalog.=) existing.id;
    END IF;
    BEGIN
        INSERT INTO permissions.token_subjects (issuer, subject, user_id)
        VALUES (map_token_subject.issuer, map_token_subject.subject, map_token_subject.user_id)
        RETURNING id INTO new_id;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('subject "%s" of token issuer "%s" is mapped to a user you do not manage',
                                        map_token_subject.subject, map_token_subject.issuer),
            HINT = 'Ask a manager of that user''s account, or a DBA, to remove the mapping.';
    END;
    RETURN new_id;
END
$$;
COMMENT ON FUNCTION permissions.map_token_subject(text, text, bigint, boolean) IS
'Maps the subject ("sub") of a token issuer to a user (DBAs; managers of the user''s account for issuers bound to it). Whoever holds the subject then acts as the user. A subject mapped to another user is moved only with remap => true (audited as the removal and the new mapping; identities of the old mapping end). Returns the mapping''s id.';

CREATE FUNCTION permissions.unmap_token_subject(issuer text, subject text)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
BEGIN
    DELETE FROM permissions.token_subjects s
     WHERE s.issuer OPERATOR(pg_catalog.=) unmap_token_subject.issuer
       AND s.subject OPERATOR(pg_catalog.=) unmap_token_subject.subject;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('subject "%s" of token issuer "%s" is not mapped, or not to a user you manage',
                                        unmap_token_subject.subject, unmap_token_subject.issuer),
            HINT = 'Removing a mapping needs the manager role in the account of its user; list the mappings you can see with SELECT * FROM permissions.token_subjects.';
    END IF;
END
$$;
COMMENT ON FUNCTION permissions.unmap_token_subject(text, text) IS
'Removes the mapping of a subject of a token issuer (DBAs, managers of the user''s account); identities it gave end at the next statement.';
