"""The tamper-evident audit log (append-only, hash-chained) and the storage key rotation.

`audit_log` and `audit_anchor` refuse UPDATE, DELETE and TRUNCATE by trigger, for every role,
superusers included: the one way to remove rows is pruning, which deletes only rows an anchor
(the hash of the last pruned row, itself append-only) already covers, so the chain still
verifies. When the migrating role is a superuser, both tables and the guard's functions are
handed to the NOLOGIN role `facegate_audit_owner` and the migrating role keeps SELECT and
INSERT only: a role that is not a superuser then cannot drop or disable the guard either.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"

OWNER = "facegate_audit_owner"

TABLES = """
CREATE TABLE audit_log (
    seq bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor_kind text NOT NULL,
    actor_id text NOT NULL,
    actor_name text NOT NULL,
    action text NOT NULL,
    subject_kind text NOT NULL,
    subject_id text NOT NULL,
    details jsonb NOT NULL DEFAULT '{}'::jsonb,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_subject ON audit_log (subject_kind, subject_id);
CREATE INDEX audit_log_actor ON audit_log (actor_name);
CREATE INDEX audit_log_action ON audit_log (action);
-- The newest entry's seq and hash: appenders lock this row (one chain across replicas, seq
-- without gaps), and verify finds a removed newest entry by it.
CREATE TABLE audit_head (
    id integer PRIMARY KEY CHECK (id = 1),
    seq bigint NOT NULL,
    hash text NOT NULL
);
INSERT INTO audit_head VALUES (1, 0, repeat('0', 64));
-- Pruning leaves one anchor per run: the last pruned row's seq and hash, where the chain of
-- the rows left behind starts.
CREATE TABLE audit_anchor (
    through_seq bigint PRIMARY KEY,
    hash text NOT NULL,
    pruned integer NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
);
-- The storage key rotation: one row per rotation to a key id, its cursor over the object
-- keys (listed in order), how many objects it rewrote, and when it finished.
CREATE TABLE storage_rotation (
    key_id text PRIMARY KEY,
    cursor text NOT NULL DEFAULT '',
    rewritten integer NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz
);
"""

GUARDS = """
CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_log' THEN  -- (no short-circuit AND)
        IF OLD.seq <= (SELECT coalesce(max(through_seq), 0) FROM audit_anchor) THEN
            RETURN OLD;  -- pruning what an anchor covers
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE FUNCTION audit_check_anchor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM audit_log WHERE seq = NEW.through_seq AND hash = NEW.hash
    ) THEN
        RAISE EXCEPTION 'an audit anchor must name an existing row and its hash'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_append_only BEFORE UPDATE OR DELETE ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_no_truncate BEFORE TRUNCATE ON audit_anchor
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_anchor_checked BEFORE INSERT ON audit_anchor
    FOR EACH ROW EXECUTE FUNCTION audit_check_anchor();
"""

HAND_OVER = f"""
DO $$
BEGIN
    IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{OWNER}') THEN
            CREATE ROLE {OWNER} NOLOGIN;
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO {OWNER}', current_schema());
        ALTER TABLE audit_log OWNER TO {OWNER};
        ALTER TABLE audit_anchor OWNER TO {OWNER};
        ALTER FUNCTION audit_refuse_change() OWNER TO {OWNER};
        ALTER FUNCTION audit_check_anchor() OWNER TO {OWNER};
        EXECUTE format('GRANT SELECT, INSERT ON audit_log, audit_anchor TO %I', current_user);
        EXECUTE format('GRANT DELETE ON audit_log TO %I', current_user);
    END IF;
END $$;
"""


def upgrade() -> None:
    op.execute(TABLES)
    op.execute(GUARDS)
    op.execute(HAND_OVER)


def downgrade() -> None:
    op.execute("DROP TABLE storage_rotation")
    op.execute("DROP TABLE audit_anchor")
    op.execute("DROP TABLE audit_head")
    op.execute("DROP TABLE audit_log")
    op.execute("DROP FUNCTION audit_check_anchor()")
    op.execute("DROP FUNCTION audit_refuse_change()")
