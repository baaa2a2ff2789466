--
-- Token times against the database's clock, with tokens signed here in SQL
-- (HS256: HMAC-SHA256 written with sha256(), so nothing but the extension
-- verifies): exp is never extended; nbf and iat may be ahead by the
-- issuer's clock_skew and no more; exp - iat (or exp - now) at most the
-- issuer's max_lifetime; and an identity ends at its token's exp.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS permissions;
RESET client_min_messages;
\set SHOW_CONTEXT never
\set secret 'regress clock secret, longer than thirty-two bytes'

CREATE ROLE regress_tkck_app;
GRANT permissions_client TO regress_tkck_app;
SELECT permissions.create_account('regress tkck account') AS acct \gset
SELECT permissions.create_user(:acct, 'tkck_alice', access => 'tier4') AS alice \gset
SELECT permissions.register_token_issuer('https://clock.regress.test', :acct, max_lifetime => '1 hour',
                                         clock_skew => '1 minute') IS NOT NULL AS issuer;
SELECT permissions.register_token_key('https://clock.regress.test', 'hs', 'HS256', :'secret',
                                      allow_shared_secret => true) IS NOT NULL AS key;
SELECT permissions.map_token_subject('https://clock.regress.test', 'alice', :alice) IS NOT NULL AS mapped;

-- base64url, HMAC-SHA256 (RFC 2104), and a signed token with times in
-- seconds from the statement's start (the time the extension uses) rounded
-- down to a whole second
CREATE FUNCTION regress_tkck_b64url(data bytea) RETURNS text LANGUAGE sql IMMUTABLE
AS $$ SELECT translate(rtrim(replace(encode(data, 'base64'), E'\n', ''), '='), '+/', '-_') $$;
CREATE FUNCTION regress_tkck_hmac(key bytea, msg bytea) RETURNS bytea LANGUAGE plpgsql IMMUTABLE
AS $$
DECLARE
    k bytea := CASE WHEN length(key) > 64 THEN sha256(key) ELSE key END;
    ipad bytea;
    opad bytea;
BEGIN
    k := k || decode(repeat('00', 64 - length(k)), 'hex');
    ipad := k;
    opad := k;
    FOR i IN 0..63 LOOP
        ipad := set_byte(ipad, i, get_byte(k, i) # 54);
        opad := set_byte(opad, i, get_byte(k, i) # 92);
    END LOOP;
    RETURN sha256(opad || sha256(ipad || msg));
END
$$;
CREATE FUNCTION regress_tkck_token(exp_in double precision, nbf_in double precision DEFAULT NULL,
                                   iat_in double precision DEFAULT NULL,
                                   secret text DEFAULT 'regress clock secret, longer than thirty-two bytes')
RETURNS text LANGUAGE plpgsql STABLE
AS $$
DECLARE
    t double precision := floor(extract(epoch FROM statement_timestamp()));
    claims jsonb := jsonb_build_object('iss', 'https://clock.regress.test', 'sub', 'alice');
    input text;
BEGIN
    IF exp_in IS NOT NULL THEN claims := claims || jsonb_build_object('exp', t + exp_in); END IF;
    IF nbf_in IS NOT NULL THEN claims := claims || jsonb_build_object('nbf', t + nbf_in); END IF;
    IF iat_in IS NOT NULL THEN claims := claims || jsonb_build_object('iat', t + iat_in); END IF;
    input := regress_tkck_b64url(convert_to('{"alg":"HS256","kid":"hs"}', 'UTF8')) || '.'
             || regress_tkck_b64url(convert_to(claims::text, 'UTF8'));
    RETURN input || '.' || regress_tkck_b64url(regress_tkck_hmac(convert_to(secret, 'UTF8'),
                                                                  convert_to(input, 'UTF8')));
END
$$;
-- the HMAC is RFC 4231's (test case 2)
SELECT encode(regress_tkck_hmac('Jefe', 'what do ya want for nothing?'), 'hex') =
       '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' AS rfc4231;

CREATE FUNCTION regress_tkck_try(token text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    RETURN CASE WHEN permissions.authenticate_token(token) IS NOT NULL THEN 'accepted' END;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLERRM;
END
$$;

SET ROLE regress_tkck_app;
SELECT case_name, regress_tkck_try(token) AS result
  FROM (VALUES
    ('exp in 10 s',                      regress_tkck_token(10)),
    ('exp 1 s ago (no skew on exp)',     regress_tkck_token(-1)),
    ('no exp',                           regress_tkck_token(NULL)),
    ('nbf 30 s ahead (within skew)',     regress_tkck_token(600, 30)),
    ('nbf 90 s ahead (beyond skew)',     regress_tkck_token(600, 90)),
    ('nbf 1 h ago',                      regress_tkck_token(600, -3600)),
    ('iat 30 s ahead (within skew)',     regress_tkck_token(600, NULL, 30)),
    ('iat 90 s ahead (beyond skew)',     regress_tkck_token(600, NULL, 90)),
    ('exp - iat = 1 h (the maximum)',    regress_tkck_token(1800, NULL, -1800)),
    ('exp - iat = 1 h + 1 s',            regress_tkck_token(1801, NULL, -1800)),
    ('no iat, exp in 59 min',            regress_tkck_token(3540)),
    ('no iat, exp in 61 min',            regress_tkck_token(3660)),
    ('fractional times',                 regress_tkck_token(600.25, -0.5, -0.75)),
    ('signed with another secret',       regress_tkck_token(600, NULL, NULL, 'another secret, also longer than 32 bytes'))
  ) AS t(case_name, token);

-- the issuer's settings apply at once: a shorter max_lifetime, no skew
RESET ROLE;
SELECT permissions.register_token_issuer('https://clock.regress.test', :acct, max_lifetime => '5 minutes',
                                         clock_skew => '0 seconds') IS NOT NULL AS changed;
SET ROLE regress_tkck_app;
SELECT regress_tkck_try(regress_tkck_token(600)) AS exp_in_10_min,
       regress_tkck_try(regress_tkck_token(240)) AS exp_in_4_min,
       regress_tkck_try(regress_tkck_token(240, 1)) AS nbf_1_s_ahead;

-- an identity ends at its token's exp, in the middle of a transaction
BEGIN;
SELECT permissions.authenticate_token(regress_tkck_token(2)) = :alice AS authenticated;
SELECT permissions.current_user_id() = :alice AS alice_now;
SELECT pg_sleep(2.2);
SELECT permissions.current_user_id() IS NULL AS nobody_after_exp;
COMMIT;
RESET ROLE;

SELECT permissions.delete_token_issuer('https://clock.regress.test');
DROP FUNCTION regress_tkck_try(text), regress_tkck_token(double precision, double precision, double precision, text),
              regress_tkck_hmac(bytea, bytea), regress_tkck_b64url(bytea);
