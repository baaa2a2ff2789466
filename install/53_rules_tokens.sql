
-- install/53_rules_tokens.sql
-- ---------------------------------------------------------------------------
-- Rules enforced on every write of the token tables, by row triggers (the
-- principles are at the top of 52_rules_accounts.sql).  Only superusers
-- write issuers and keys; their triggers check everything the constraints
-- check, first, so that no write (through the functions of 75_tokens.sql
-- or directly) meets a raw constraint error that prints the row, and they
-- keep what identities rely on from changing in place: an issuer's "iss", a
-- key's kid, algorithm and material.
-- ---------------------------------------------------------------------------

-- ---------------------------------------------------------------------------
-- Token issuers: the "iss" never changes; settings in range
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.token_issuers_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.issuer IS DISTINCT FROM OLD.issuer THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = pg_catalog.format('the "iss" of token issuer "%s" cannot change', OLD.issuer),
                DETAIL = 'Subject mappings and keys belong to the issuer as it was registered.',
                HINT = 'Register the new issuer with permissions.register_token_issuer(), map its subjects, then delete the old one with permissions.delete_token_issuer().';
        END IF;
        NEW.created_at := OLD.created_at;
    ELSE
        IF EXISTS (SELECT 1 FROM permissions.token_issuers i WHERE i.issuer OPERATOR(pg_catalog.=) NEW.issuer) THEN
            RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                MESSAGE = pg_catalog.format('token issuer "%s" is already registered', NEW.issuer),
                HINT = 'Change its settings with permissions.register_token_issuer(), its account with permissions.bind_token_issuer().';
        END IF;
        IF NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM permissions.token_issuers i WHERE i.id OPERATOR(pg_catalog.=) NEW.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                MESSAGE = pg_catalog.format('token issuer id %s is taken', NEW.id),
                HINT = 'Leave the id out: the database chooses it.';
        END IF;
    END IF;
    IF NEW.issuer IS NULL OR NEW.issuer OPERATOR(pg_catalog.=) '' OR pg_catalog.length(NEW.issuer) OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a token issuer is a non-empty "iss" value of at most 1000 characters';
    END IF;
    IF NEW.account_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) NEW.account_id) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('account %s does not exist', NEW.account_id),
            HINT = 'Bind the issuer to an existing account (SELECT id, name FROM permissions.accounts), or pass account_id => NULL for an issuer shared by every tenant.';
    END IF;
    IF NEW.max_lifetime IS NULL OR NEW.max_lifetime OPERATOR(pg_catalog.<=) interval '0'
       OR NEW.max_lifetime OPERATOR(pg_catalog.>) interval '100 years' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('max_lifetime %s of token issuer "%s" is out of range', NEW.max_lifetime, NEW.issuer),
            DETAIL = 'The longest token lifetime accepted is more than 0 and at most 100 years.',
            HINT = 'Use the lifetime of the issuer''s access tokens, for example interval ''1 hour''.';
    END IF;
    IF NEW.clock_skew IS NULL OR NEW.clock_skew OPERATOR(pg_catalog.<) interval '0'
       OR NEW.clock_skew OPERATOR(pg_catalog.>) interval '5 minutes' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('clock_skew %s of token issuer "%s" is out of range', NEW.clock_skew, NEW.issuer),
            DETAIL = 'The clock skew tolerated for nbf and iat is 0 to 5 minutes: more would accept tokens issued in the future.',
            HINT = 'Keep the clocks in sync (NTP) and use at most interval ''5 minutes''.';
    END IF;
    IF NEW.key_grace IS NULL OR NEW.key_grace OPERATOR(pg_catalog.<) interval '0'
       OR NEW.key_grace OPERATOR(pg_catalog.>) interval '90 days' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('key_grace %s of token issuer "%s" is out of range', NEW.key_grace, NEW.issuer),
            DETAIL = 'A key the issuer no longer publishes keeps verifying for 0 to 90 days.',
            HINT = 'The default, interval ''1 day'', covers tokens issued just before a rotation.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.token_issuers_check_rules() IS
'Internal row trigger on token_issuers: the "iss" never changes; the account exists; max_lifetime, clock_skew and key_grace are in range (clear errors instead of constraint errors).';
REVOKE ALL ON FUNCTION permissions.token_issuers_check_rules() FROM PUBLIC;

CREATE TRIGGER token_issuers_10_rules BEFORE INSERT OR UPDATE ON permissions.token_issuers
    FOR EACH ROW EXECUTE FUNCTION permissions.token_issuers_check_rules();
COMMENT ON TRIGGER token_issuers_10_rules ON permissions.token_issuers IS
'The "iss" never changes; settings in range, with clear errors.';

-- ---------------------------------------------------------------------------
-- Token keys: the material never changes in place; every new key is checked
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.token_keys_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    other record;
    problem text;
BEGIN
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        IF NEW.id IS DISTINCT FROM OLD.id OR NEW.issuer IS DISTINCT FROM OLD.issuer
           OR NEW.key_id IS DISTINCT FROM OLD.key_id OR NEW.algorithm IS DISTINCT FROM OLD.algorithm
           OR NEW.public_key IS DISTINCT FROM OLD.public_key OR NEW.secret IS DISTINCT FROM OLD.secret THEN
            RAISE EXCEPTION USING ERRCODE = 'object_not_in_prerequisite_state',
                MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" cannot change its key id, algorithm or key material',
                                            OLD.key_id, OLD.issuer),
                DETAIL = 'Identities the key verified rely on its material; a key replaced in place would keep them alive with another key''s trust.',
                HINT = 'Register the new key under a new key id with permissions.register_token_key(), then disable the old one (UPDATE permissions.token_keys SET enabled = false ...) or delete it with permissions.delete_token_key().';
        END IF;
        NEW.created_at := OLD.created_at;
    ELSE
        IF NOT EXISTS (SELECT 1 FROM permissions.token_issuers i WHERE i.issuer OPERATOR(pg_catalog.=) NEW.issuer) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = pg_catalog.format('token issuer "%s" is not registered', NEW.issuer),
                HINT = 'Register it first with permissions.register_token_issuer(issuer, account_id => ...).';
        END IF;
        IF NEW.key_id IS NULL OR NEW.key_id OPERATOR(pg_catalog.=) '' OR pg_catalog.length(NEW.key_id) OPERATOR(pg_catalog.>) 1000 THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = 'a token key id ("kid") is a non-empty string of at most 1000 characters';
        END IF;
        IF NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM permissions.token_keys k WHERE k.id OPERATOR(pg_catalog.=) NEW.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                MESSAGE = pg_catalog.format('token key id %s is taken', NEW.id),
                HINT = 'Leave the id out: the database chooses it.';
        END IF;
        IF EXISTS (SELECT 1 FROM permissions.token_keys k
                    WHERE k.issuer OPERATOR(pg_catalog.=) NEW.issuer AND k.key_id OPERATOR(pg_catalog.=) NEW.key_id) THEN
            RAISE EXCEPTION USING ERRCODE = 'unique_violation',
                MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" is already registered', NEW.key_id, NEW.issuer),
                HINT = 'Rotate by registering the new key under a new key id, then disable or delete the old one with permissions.delete_token_key().';
        END IF;
        IF NEW.algorithm IS NULL OR NEW.algorithm OPERATOR(pg_catalog.<>) ALL (ARRAY['EdDSA', 'ES256', 'RS256', 'HS256']) THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('unsupported token algorithm "%s"', NEW.algorithm),
                HINT = 'Use EdDSA, ES256 or RS256 (or HS256 with a shared secret).';
        END IF;
        IF NEW.algorithm OPERATOR(pg_catalog.=) 'HS256' THEN
            IF NEW.secret IS NULL OR NEW.public_key IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = 'an HS256 key has a secret and no public key';
            END IF;
            problem := permissions.token_secret_problem(NEW.secret);
            IF problem IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = 'unacceptable HS256 secret',
                    DETAIL = problem,
                    HINT = 'Register public keys with their own algorithm (EdDSA, ES256 or RS256); generate a secret with, for example, openssl rand -base64 48.';
            END IF;
            SELECT k.issuer, k.key_id INTO other FROM permissions.token_keys k
             WHERE k.public_key IS NOT NULL
               AND permissions.token_secret_holds_key(NEW.secret, k.algorithm, k.public_key)
             LIMIT 1;
        ELSE
            IF NEW.public_key IS NULL OR NEW.secret IS NOT NULL THEN
                RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                    MESSAGE = pg_catalog.format('a token key of algorithm %s has a public key and no secret', NEW.algorithm);
            END IF;
            NEW.public_key := permissions.token_public_key(NEW.algorithm, NEW.public_key);
            SELECT k.issuer, k.key_id INTO other FROM permissions.token_keys k
             WHERE k.secret IS NOT NULL
               AND permissions.token_secret_holds_key(k.secret, NEW.algorithm, NEW.public_key)
             LIMIT 1;
        END IF;
        IF other.key_id IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" would make a public key a shared secret', NEW.key_id, NEW.issuer),
                DETAIL = pg_catalog.format('The material of key "%s" of issuer "%s" is inside the other''s: whoever has the public key could sign HS256 tokens.',
                                           other.key_id, other.issuer),
                HINT = 'An HS256 secret is random bytes known only to the issuer and this database.';
        END IF;
        IF NEW.not_after IS NOT NULL AND NEW.not_after OPERATOR(pg_catalog.<=) pg_catalog.now()
           AND NOT permissions.restoring() THEN
            RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
                MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" has already expired', NEW.key_id, NEW.issuer),
                DETAIL = pg_catalog.format('Its not_after, %s, is not after now.', NEW.not_after),
                HINT = 'Pass a not_after in the future, or none.';
        END IF;
    END IF;
    IF NEW.audience OPERATOR(pg_catalog.=) '' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a token key''s audience is NULL (tokens without "aud") or a non-empty string';
    END IF;
    IF NEW.not_after OPERATOR(pg_catalog.<=) NEW.not_before THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = pg_catalog.format('token key "%s" of issuer "%s" would verify nothing: not_after is not after not_before',
                                        NEW.key_id, NEW.issuer),
            DETAIL = pg_catalog.format('not_before %s, not_after %s.', NEW.not_before, NEW.not_after),
            HINT = 'Pass a window whose end is after its start.';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.token_keys_check_rules() IS
'Internal row trigger on token_keys: key id, algorithm and material never change; a new key''s issuer is registered, its public key fits its algorithm (stored as PEM), its HS256 secret is no key in any encoding and holds no registered public key (nor does a new public key sit in a registered secret), it has not expired, and its window is not empty (clear errors instead of constraint errors).';
REVOKE ALL ON FUNCTION permissions.token_keys_check_rules() FROM PUBLIC;

CREATE TRIGGER token_keys_10_rules BEFORE INSERT OR UPDATE ON permissions.token_keys
    FOR EACH ROW EXECUTE FUNCTION permissions.token_keys_check_rules();
COMMENT ON TRIGGER token_keys_10_rules ON permissions.token_keys IS
'Key material never changes in place; every new key is checked, with clear errors.';

-- ---------------------------------------------------------------------------
-- Token subjects: who may map which subject to which user
-- ---------------------------------------------------------------------------

CREATE FUNCTION permissions.token_subjects_check_rules()
RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    user_account bigint;
    issuer_found boolean;
    issuer_account bigint;
    dba boolean := permissions.caller_is_dba();
BEGIN
    PERFORM permissions.require_trigger_table('token_subjects_check_rules', TG_RELID, 'permissions.token_subjects');
    SELECT u.account_id INTO user_account FROM permissions.users u
     WHERE u.id OPERATOR(pg_catalog.=) NEW.user_id;
    IF user_account IS NULL OR NOT (dba OR permissions.holds('manage_users', user_account)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('user %s does not exist or is not visible to you', NEW.user_id),
            HINT = 'Mapping a subject needs the manager role in the account of its user; map subjects to users of accounts where you are a manager.';
    END IF;
    IF NOT dba AND NOT permissions.manages(user_account) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only managers of the user''s account map token subjects',
            DETAIL = 'A mapping lets whoever holds the subject act as the user, with all its grants: that is a manager''s trust, not manage_users''.',
            HINT = 'Ask a manager of the account or a DBA.';
    END IF;
    SELECT true, i.account_id INTO issuer_found, issuer_account FROM permissions.token_issuers i
     WHERE i.issuer OPERATOR(pg_catalog.=) NEW.issuer;
    IF issuer_found IS NULL AND dba THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered', NEW.issuer),
            HINT = 'Register it first with permissions.register_token_issuer(issuer, account_id => ...).';
    END IF;
    IF issuer_found IS NULL
       OR issuer_account IS NOT NULL
          AND NOT issuer_account OPERATOR(pg_catalog.=) ANY (permissions.account_path(user_account)) THEN
        RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
            MESSAGE = pg_catalog.format('token issuer "%s" is not registered for the account of user %s',
                                        NEW.issuer, NEW.user_id),
            HINT = 'A DBA registers issuers with permissions.register_token_issuer(); an issuer bound to an account takes subjects of users of that account and its sub-accounts.';
    END IF;
    IF NEW.subject IS NULL OR NEW.subject OPERATOR(pg_catalog.=) '' OR pg_catalog.length(NEW.subject) OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'a token subject ("sub") is a non-empty string of at most 1000 characters';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND EXISTS (
           SELECT 1 FROM permissions.token_subjects s
            WHERE s.issuer OPERATOR(pg_catalog.=) NEW.issuer AND s.subject OPERATOR(pg_catalog.=) NEW.subject) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('subject "%s" of token issuer "%s" is already mapped', NEW.subject, NEW.issuer),
            HINT = 'Move it with permissions.map_token_subject(issuer, subject, user_id, remap => true), or remove it first with permissions.unmap_token_subject().';
    END IF;
    IF TG_OP OPERATOR(pg_catalog.=) 'INSERT' AND NEW.id IS NOT NULL AND EXISTS (
           SELECT 1 FROM permissions.token_subjects s WHERE s.id OPERATOR(pg_catalog.=) NEW.id) THEN
        RAISE EXCEPTION USING ERRCODE = 'unique_violation',
            MESSAGE = pg_catalog.format('token subject mapping id %s is taken', NEW.id),
            HINT = 'Leave the id out: the database chooses it.';
    END IF;
    IF issuer_account IS NULL AND NOT dba THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = pg_catalog.format('only a superuser maps subjects of token issuer "%s"', NEW.issuer),
            DETAIL = 'The issuer is shared by every tenant: a subject mapped in one tenant could not be mapped in another.',
            HINT = 'Ask a DBA, or ask a DBA to bind the issuer to your account with permissions.register_token_issuer().';
    END IF;
    NEW.account_id := user_account;
    IF TG_OP OPERATOR(pg_catalog.=) 'UPDATE' THEN
        NEW.created_by := OLD.created_by;
        NEW.created_at := OLD.created_at;
    ELSIF NOT permissions.restoring() THEN
        NEW.created_by := CASE WHEN dba THEN NULL ELSE permissions.minted_by(NEW.user_id) END;
        NEW.created_at := pg_catalog.now();
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION permissions.token_subjects_check_rules() IS
'Internal row trigger on token_subjects: the user must be one the caller manages (DBAs: any), the issuer registered for the user''s account subtree (shared issuers: DBAs only); account_id, created_by and created_at are set by the database.';
REVOKE ALL ON FUNCTION permissions.token_subjects_check_rules() FROM PUBLIC;

CREATE TRIGGER token_subjects_10_rules BEFORE INSERT OR UPDATE ON permissions.token_subjects
    FOR EACH ROW EXECUTE FUNCTION permissions.token_subjects_check_rules();
COMMENT ON TRIGGER token_subjects_10_rules ON permissions.token_subjects IS
'Who may map which subject to which user; the columns the database sets.';
