
-- install/76_token_rotation.sql
-- ---------------------------------------------------------------------------
-- Key rotation from an issuer's published key set (JWKS, RFC 7517): a DBA
-- (or tools/jwks-sync, run from cron) passes the document the issuer
-- publishes; new signature keys are registered through the same rules
-- trigger as register_token_key(), keys no longer published retire after
-- the issuer's key_grace (token_keys.retire_at, enforced by the verifier
-- itself), and nothing is written when nothing changed.
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.sync_token_keys(issuer text, jwks jsonb)
RETURNS TABLE (key_id text, action text, detail text)
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    iss record;
    k jsonb;
    kid text;
    kty text;
    alg text;
    algorithm text;
    pem text;
    existing record;
    private_members text[];
    published text[] := '{}';
    repeated text[];
    problem text;
    r record;
    at timestamptz := pg_catalog.now();
BEGIN
    PERFORM permissions.require_superuser('sync token keys');
    -- one sync of an issuer at a time
    SELECT i.issuer, i.key_grace INTO iss FROM permissions.token_issuers i
     WHERE i.issuer OPERATOR(pg_catalog.=) sync_token_keys.issuer FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', sync_token_keys.issuer),
            HINT = 'Register it first with permissions.register_token_issuer(issuer, account_id => ...).';
    END IF;
    IF sync_token_keys.jwks IS NULL OR pg_catalog.jsonb_typeof(sync_token_keys.jwks) OPERATOR(pg_catalog.<>) 'object'
       OR pg_catalog.jsonb_typeof(sync_token_keys.jwks OPERATOR(pg_catalog.->) 'keys') IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a JSON Web Key Set is a JSON object with a "keys" array',
            HINT = 'Pass the document the issuer publishes at its jwks_uri.';
    END IF;
    IF pg_catalog.jsonb_array_length(sync_token_keys.jwks OPERATOR(pg_catalog.->) 'keys') OPERATOR(pg_catalog.>) 100 THEN
        RAISE EXCEPTION USING ERRCODE = 'program_limit_exceeded',
            MESSAGE = 'a JSON Web Key Set of more than 100 keys is not synced';
    END IF;
    SELECT pg_catalog.array_agg(d.kid) INTO repeated
      FROM (SELECT e OPERATOR(pg_catalog.->>) 'kid' AS kid
              FROM pg_catalog.jsonb_array_elements(sync_token_keys.jwks OPERATOR(pg_catalog.->) 'keys') e
             WHERE pg_catalog.jsonb_typeof(e OPERATOR(pg_catalog.->) 'kid') OPERATOR(pg_catalog.=) 'string'
             GROUP BY 1 HAVING pg_catalog.count(*) OPERATOR(pg_catalog.>) 1) d;

    FOR k IN SELECT e FROM pg_catalog.jsonb_array_elements(sync_token_keys.jwks OPERATOR(pg_catalog.->) 'keys') e
    LOOP
        kid := CASE WHEN pg_catalog.jsonb_typeof(k OPERATOR(pg_catalog.->) 'kid') OPERATOR(pg_catalog.=) 'string'
                    THEN k OPERATOR(pg_catalog.->>) 'kid' END;
        key_id := kid;
        IF pg_catalog.jsonb_typeof(k) OPERATOR(pg_catalog.<>) 'object' THEN
            action := 'refused'; detail := 'the entry is not a JSON object';
            RETURN NEXT; CONTINUE;
        END IF;
        IF kid IS NULL OR kid OPERATOR(pg_catalog.=) '' OR pg_catalog.length(kid) OPERATOR(pg_catalog.>) 1000 THEN
            action := 'refused'; detail := 'the key has no "kid" (a string of 1 to 1000 characters): tokens could not name it';
            RETURN NEXT; CONTINUE;
        END IF;
        IF kid OPERATOR(pg_catalog.=) ANY (repeated) THEN
            action := 'refused'; detail := 'the document publishes this "kid" more than once';
            RETURN NEXT; CONTINUE;
        END IF;
        kty := k OPERATOR(pg_catalog.->>) 'kty';
        alg := k OPERATOR(pg_catalog.->>) 'alg';

        -- private or secret material is never registered; a registered key
        -- whose private part is published is disabled at once
        SELECT pg_catalog.array_agg(m ORDER BY m) INTO private_members
          FROM pg_catalog.unnest(ARRAY['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']) m
         WHERE k OPERATOR(pg_catalog.?) m;
        IF private_members IS NOT NULL THEN
            action := 'refused';
            detail := pg_catalog.format('the document publishes private or secret key material (%s): whoever read it can sign tokens',
                                        pg_catalog.array_to_string(private_members, ', '));
            SELECT t.id, t.algorithm, t.public_key, t.enabled INTO existing FROM permissions.token_keys t
             WHERE t.issuer OPERATOR(pg_catalog.=) iss.issuer AND t.key_id OPERATOR(pg_catalog.=) kid;
            IF existing.id IS NOT NULL AND existing.enabled AND existing.public_key IS NOT NULL THEN
                BEGIN
                    pem := permissions.token_public_key(existing.algorithm,
                                                        (k OPERATOR(pg_catalog.-) private_members)::text);
                EXCEPTION WHEN invalid_parameter_value THEN
                    pem := NULL;
                END;
                IF pem OPERATOR(pg_catalog.=) existing.public_key THEN
                    UPDATE permissions.token_keys t SET enabled = false WHERE t.id OPERATOR(pg_catalog.=) existing.id;
                    action := 'disabled';
                    detail := detail OPERATOR(pg_catalog.||) '; the registered key with this "kid" is that key: disabled now';
                END IF;
            END IF;
            RETURN NEXT; CONTINUE;
        END IF;
        IF kty OPERATOR(pg_catalog.=) 'oct' THEN
            action := 'refused'; detail := 'a symmetric ("oct") key: a published key set never carries shared secrets';
            RETURN NEXT; CONTINUE;
        END IF;
        IF k OPERATOR(pg_catalog.?) 'use' AND (k OPERATOR(pg_catalog.->>) 'use') IS DISTINCT FROM 'sig' THEN
            action := 'ignored';
            detail := pg_catalog.format('"use" is %s: not a signature key', k OPERATOR(pg_catalog.->) 'use');
            RETURN NEXT; CONTINUE;
        END IF;
        IF k OPERATOR(pg_catalog.?) 'key_ops'
           AND NOT (pg_catalog.jsonb_typeof(k OPERATOR(pg_catalog.->) 'key_ops') OPERATOR(pg_catalog.=) 'array'
                    AND (k OPERATOR(pg_catalog.->) 'key_ops') OPERATOR(pg_catalog.?) 'verify') THEN
            action := 'ignored'; detail := '"key_ops" does not include "verify": not a signature key';
            RETURN NEXT; CONTINUE;
        END IF;
        algorithm := CASE
            WHEN kty OPERATOR(pg_catalog.=) 'OKP' AND (k OPERATOR(pg_catalog.->>) 'crv') OPERATOR(pg_catalog.=) 'Ed25519'
                 AND (alg IS NULL OR alg OPERATOR(pg_catalog.=) ANY (ARRAY['EdDSA', 'Ed25519'])) THEN 'EdDSA'
            WHEN kty OPERATOR(pg_catalog.=) 'EC' AND (k OPERATOR(pg_catalog.->>) 'crv') OPERATOR(pg_catalog.=) 'P-256'
                 AND (alg IS NULL OR alg OPERATOR(pg_catalog.=) 'ES256') THEN 'ES256'
            WHEN kty OPERATOR(pg_catalog.=) 'RSA' AND (alg IS NULL OR alg OPERATOR(pg_catalog.=) 'RS256') THEN 'RS256'
        END;
        IF algorithm IS NULL THEN
            action := 'ignored';
            detail := CASE WHEN kty OPERATOR(pg_catalog.=) 'OKP'
                                AND (k OPERATOR(pg_catalog.->>) 'crv') OPERATOR(pg_catalog.=) ANY (ARRAY['X25519', 'X448'])
                           THEN 'an X25519 or X448 key is for key agreement, not signatures'
                           ELSE pg_catalog.format('unsupported: kty %s, crv %s, alg %s (accepted: Ed25519 for EdDSA, P-256 for ES256, RSA for RS256); tokens it signs are refused',
                                                  coalesce(kty, '(none)'), coalesce(k OPERATOR(pg_catalog.->>) 'crv', '(none)'),
                                                  coalesce(alg, '(none)')) END;
            RETURN NEXT; CONTINUE;
        END IF;

        -- a weak or malformed key (RSA under 2048 bits, an Ed25519 point of
        -- small order, ...) is refused with the reason
        BEGIN
            pem := permissions.token_public_key(algorithm, k::text);
        EXCEPTION WHEN invalid_parameter_value THEN
            GET STACKED DIAGNOSTICS problem = PG_EXCEPTION_DETAIL;
            action := 'refused'; detail := pg_catalog.rtrim(problem, '.');
            RETURN NEXT; CONTINUE;
        END;
        SELECT t.id, t.algorithm, t.public_key, t.enabled, t.retire_at INTO existing FROM permissions.token_keys t
         WHERE t.issuer OPERATOR(pg_catalog.=) iss.issuer AND t.key_id OPERATOR(pg_catalog.=) kid;
        IF existing.id IS NULL THEN
            BEGIN
                INSERT INTO permissions.token_keys (issuer, key_id, algorithm, public_key)
                VALUES (iss.issuer, kid, algorithm, pem);
                action := 'added'; detail := algorithm;
                published := published OPERATOR(pg_catalog.||) kid;
            EXCEPTION WHEN invalid_parameter_value THEN
                GET STACKED DIAGNOSTICS problem = MESSAGE_TEXT;
                action := 'refused'; detail := problem;
            END;
        ELSIF existing.algorithm OPERATOR(pg_catalog.<>) algorithm OR existing.public_key IS DISTINCT FROM pem THEN
            action := 'refused';
            detail := pg_catalog.format('"kid" %s is registered with %s: a key never changes in place; the registered key stays as it is and retires as unpublished',
                                        pg_catalog.quote_literal(kid),
                                        CASE WHEN existing.algorithm OPERATOR(pg_catalog.<>) algorithm
                                             THEN pg_catalog.format('another algorithm (%s, the document says %s)', existing.algorithm, algorithm)
                                             ELSE 'other key material' END);
        ELSE
            published := published OPERATOR(pg_catalog.||) kid;
            IF existing.retire_at IS NOT NULL AND existing.retire_at OPERATOR(pg_catalog.>) at AND existing.enabled THEN
                UPDATE permissions.token_keys t SET retire_at = NULL WHERE t.id OPERATOR(pg_catalog.=) existing.id;
                action := 'republished'; detail := 'published again within its grace period: it verifies again without an end';
            ELSIF existing.retire_at IS NOT NULL THEN
                action := 'unchanged';
                detail := 'withdrawn earlier and its grace period is over: delete it and sync again to use it again';
            ELSIF NOT existing.enabled THEN
                action := 'unchanged'; detail := 'disabled by a DBA: a sync never enables a key';
            ELSE
                action := 'unchanged'; detail := NULL;
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;

    -- registered public keys the document no longer publishes: they keep
    -- verifying for the issuer's key_grace, then are disabled
    FOR r IN SELECT t.id, t.key_id, t.retire_at FROM permissions.token_keys t
              WHERE t.issuer OPERATOR(pg_catalog.=) iss.issuer AND t.public_key IS NOT NULL AND t.enabled
                AND t.key_id OPERATOR(pg_catalog.<>) ALL (published)
              ORDER BY t.key_id
    LOOP
        key_id := r.key_id;
        IF r.retire_at IS NULL AND iss.key_grace OPERATOR(pg_catalog.>) interval '0' THEN
            UPDATE permissions.token_keys t SET retire_at = at OPERATOR(pg_catalog.+) iss.key_grace
             WHERE t.id OPERATOR(pg_catalog.=) r.id;
            action := 'retiring';
            detail := pg_catalog.format('no longer published: verifies until %s (the issuer''s key_grace)',
                                        at OPERATOR(pg_catalog.+) iss.key_grace);
        ELSIF r.retire_at IS NULL OR r.retire_at OPERATOR(pg_catalog.<=) at THEN
            UPDATE permissions.token_keys t SET enabled = false, retire_at = coalesce(t.retire_at, at)
             WHERE t.id OPERATOR(pg_catalog.=) r.id;
            action := 'disabled'; detail := 'no longer published, and its grace period is over';
        ELSE
            action := 'retiring';
            detail := pg_catalog.format('no longer published: verifies until %s (the issuer''s key_grace)', r.retire_at);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION permissions.sync_token_keys(text, jsonb) IS
'DBA: makes a registered issuer''s public keys those of its published key set (JWKS): adds each new signature key by "kid" (OKP Ed25519 -> EdDSA, EC P-256 -> ES256, RSA -> RS256, as "alg" allows), keeps a key whose material is unchanged, and retires registered keys no longer published (they verify for the issuer''s key_grace, then are disabled). Keys for encryption ("use": "enc", "key_ops" without "verify") and unsupported algorithms are ignored; private or symmetric material, weak keys and a "kid" registered with other material or another algorithm are refused, never registered; a registered key whose private part the document publishes is disabled at once. Running it again with the same document changes nothing. Returns one row per key: added, unchanged, republished, retiring, disabled, ignored or refused, with the reason.';
