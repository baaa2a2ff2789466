
-- install/46_credits.sql
-- ---------------------------------------------------------------------------
-- Credits: a DBA adds them to a top-level account (a purchase), credit
-- managers move them along the account tree, and every assessment spends
-- one.  The ledger is append-only (56_audit.sql); the balance is kept by a
-- trigger on it (credit_ledger_apply(), 54_rules_data.sql) and never goes
-- below zero.
-- ---------------------------------------------------------------------------

CREATE TABLE permissions.account_credits (
    account_id  bigint PRIMARY KEY REFERENCES permissions.accounts (id) ON DELETE CASCADE,
    balance     bigint NOT NULL DEFAULT 0 CONSTRAINT account_credits_balance_not_negative CHECK (balance >= 0),
    updated_at  timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = off);
COMMENT ON TABLE permissions.account_credits IS
'Credit balance of each account: the sum of its credit_ledger entries, kept by a trigger on the ledger. The row is locked by every movement, and the CHECK keeps it from going below zero.';
COMMENT ON COLUMN permissions.account_credits.account_id IS 'The account whose balance this is.';
COMMENT ON COLUMN permissions.account_credits.balance IS
'Credits the account holds: the sum of its credit_ledger entries, never below zero.';
COMMENT ON COLUMN permissions.account_credits.updated_at IS 'When the balance last changed.';

CREATE TABLE permissions.credit_ledger (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id         bigint NOT NULL,
    amount             bigint NOT NULL CHECK (amount <> 0),
    reason             text NOT NULL CHECK (reason <> ''),
    related_account_id bigint,
    assessment_id      bigint,
    created_by         bigint DEFAULT permissions.current_user_id(),
    created_at         timestamptz NOT NULL DEFAULT now()
) WITH (vacuum_truncate = off);
CREATE INDEX credit_ledger_account_id_idx ON permissions.credit_ledger (account_id, created_at);
COMMENT ON TABLE permissions.credit_ledger IS
'Append-only credit movements (+ in, - out). Written only by add_credits(), transfer_credits(), assessments and delete_account(); entries outlive a deleted account.';
COMMENT ON COLUMN permissions.credit_ledger.id IS 'Position of the movement in the ledger, chosen by the database.';
COMMENT ON COLUMN permissions.credit_ledger.account_id IS 'The account whose balance moves (kept after the account is deleted).';
COMMENT ON COLUMN permissions.credit_ledger.amount IS 'Credits in (positive) or out (negative).';
COMMENT ON COLUMN permissions.credit_ledger.reason IS
'Why: purchase, transfer, assessment, or a reason given to add_credits() or transfer_credits().';
COMMENT ON COLUMN permissions.credit_ledger.related_account_id IS 'The other account of a transfer.';
COMMENT ON COLUMN permissions.credit_ledger.assessment_id IS 'The assessment a credit was spent on.';
COMMENT ON COLUMN permissions.credit_ledger.created_by IS 'The user who moved the credits (NULL: a DBA).';
COMMENT ON COLUMN permissions.credit_ledger.created_at IS 'When the credits moved.';

CREATE VIEW permissions.credit_balances WITH (security_invoker = true) AS
    SELECT a.id AS account_id, a.parent_id, a.name, coalesce(c.balance, 0) AS balance
      FROM permissions.accounts a
      LEFT JOIN permissions.account_credits c ON c.account_id OPERATOR(pg_catalog.=) a.id
     WHERE permissions.holds('manage_credits', a.id);
COMMENT ON VIEW permissions.credit_balances IS
'manage_credits: the credit balance of each account where the caller holds manage_credits.';
COMMENT ON COLUMN permissions.credit_balances.account_id IS 'The account whose balance this is.';
COMMENT ON COLUMN permissions.credit_balances.parent_id IS 'Its parent account (NULL: top level).';
COMMENT ON COLUMN permissions.credit_balances.name IS 'The account''s name.';
COMMENT ON COLUMN permissions.credit_balances.balance IS 'Credits the account holds.';

CREATE FUNCTION permissions.add_credits(account_id bigint, amount bigint, reason text DEFAULT 'purchase')
RETURNS bigint
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    parent bigint;
    new_balance bigint;
BEGIN
    IF NOT permissions.caller_is_superuser() THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = 'only a superuser can add credits',
            DETAIL = 'Credits enter the system at a top-level account, when a DBA records a purchase.',
            HINT = 'Credit managers move credits with permissions.transfer_credits().';
    END IF;
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot add %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits.';
    END IF;
    SELECT a.parent_id INTO parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) add_credits.account_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found',
            MESSAGE = format('account %s does not exist', add_credits.account_id);
    END IF;
    IF parent IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('account %s is a sub-account', add_credits.account_id),
            DETAIL = 'Credits are added to top-level accounts only.',
            HINT = 'Add them to the top-level account and transfer them down with permissions.transfer_credits().';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, created_by)
    VALUES (add_credits.account_id, amount, coalesce(reason, 'purchase'), permissions.current_user_id());
    SELECT c.balance INTO new_balance FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) add_credits.account_id;
    RETURN new_balance;
END
$$;
COMMENT ON FUNCTION permissions.add_credits(bigint, bigint, text) IS
'DBA: adds credits to a top-level account (a purchase). Returns the new balance.';

CREATE FUNCTION permissions.transfer_credits(from_account bigint, to_account bigint, amount bigint,
                                             reason text DEFAULT 'transfer')
RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    dba boolean := permissions.caller_is_dba();
    from_parent bigint;
    to_parent bigint;
    parent bigint;
    available bigint;
    me bigint := permissions.current_user_id();
BEGIN
    IF amount IS NULL OR amount OPERATOR(pg_catalog.<=) 0 THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('cannot transfer %s credits', coalesce(amount::text, 'NULL')),
            HINT = 'Pass a positive number of credits; the direction is from_account to to_account.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', from_account)
                OR permissions.holds('manage_credits', to_account)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = 'Transferring credits needs manage_credits in the parent account of the two.',
            HINT = 'Ask a credit manager of the parent account.';
    END IF;
    SELECT a.parent_id INTO from_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) from_account;
    SELECT a.parent_id INTO to_parent FROM permissions.accounts a WHERE a.id OPERATOR(pg_catalog.=) to_account;
    parent := CASE WHEN to_parent OPERATOR(pg_catalog.=) from_account THEN from_account
                   WHEN from_parent OPERATOR(pg_catalog.=) to_account THEN to_account END;
    IF parent IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = 'credits move only between an account and one of its direct sub-accounts',
            DETAIL = format('Neither of accounts %s and %s is the parent of the other.', from_account, to_account),
            HINT = 'Transfer step by step along the account tree.';
    END IF;
    IF NOT (dba OR permissions.holds('manage_credits', parent)) THEN
        RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege',
            MESSAGE = format('permission denied to transfer credits between account %s and account %s', from_account, to_account),
            DETAIL = format('Transferring credits needs manage_credits in the parent account %s.', parent),
            HINT = 'Ask a credit manager of the parent account.';
    END IF;

    -- lock both balances in account order (no deadlock between opposite
    -- transfers), then check: a concurrent transfer waits here and sees the
    -- balance this one leaves
    INSERT INTO permissions.account_credits (account_id)
    VALUES (LEAST(from_account, to_account)), (GREATEST(from_account, to_account))
    ON CONFLICT DO NOTHING;
    PERFORM 1 FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) ANY (ARRAY[from_account, to_account])
     ORDER BY c.account_id FOR UPDATE;
    SELECT c.balance INTO available FROM permissions.account_credits c
     WHERE c.account_id OPERATOR(pg_catalog.=) from_account;
    IF available OPERATOR(pg_catalog.<) amount THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
            MESSAGE = format('account %s does not have enough credits', from_account),
            DETAIL = format('Its balance is %s; the transfer needs %s.', available, amount),
            HINT = 'Transfer fewer credits, or move credits into the account first.';
    END IF;
    INSERT INTO permissions.credit_ledger (account_id, amount, reason, related_account_id, created_by)
    VALUES (from_account, OPERATOR(pg_catalog.-) amount, coalesce(reason, 'transfer'), to_account, me),
           (to_account, amount, coalesce(reason, 'transfer'), from_account, me);
    RETURN available OPERATOR(pg_catalog.-) amount;
END
$$;
COMMENT ON FUNCTION permissions.transfer_credits(bigint, bigint, bigint, text) IS
'manage_credits in the parent: moves credits between an account and one of its direct sub-accounts, either way, atomically and never below zero (correct under concurrent transfers). Returns the balance left in from_account.';
