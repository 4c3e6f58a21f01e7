"""PostgreSQL keeps the audit log append-only, whatever the application does.

- Triggers refuse UPDATE, DELETE and TRUNCATE on audit_auditentry and audit_auditpurge.
- The one exception: `audit_purge_before(cutoff)`, SECURITY DEFINER (runs as the role that ran this
  migration), deletes the oldest entries up to `cutoff`, which must be at least three years back, and writes
  an audit_auditpurge row naming the last purged entry and its hash: the anchor of the remaining chain.
  The trigger lets a DELETE through only while that function runs (a transaction-local flag) and only for
  rows older than three years, so even a role that sets the flag itself cannot remove recent entries.
- In production the application's role also lacks UPDATE/DELETE/TRUNCATE privileges (docs/security.md).
SQLite (`make run`) gets none of this: the migration does nothing there.
"""

from django.db import migrations

MINIMUM_RETENTION = "1095 days"
CHAIN_LOCK = 7_302_001  # coopcases.audit.services._CHAIN_LOCK

FORWARD = f"""
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_auditentry' THEN
        IF current_setting('coopcases.audit_purge', true) = 'on' AND OLD.at < now() - interval '{MINIMUM_RETENTION}' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER audit_auditentry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_auditpurge_append_only BEFORE UPDATE OR DELETE ON audit_auditpurge
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_auditpurge_no_truncate BEFORE TRUNCATE ON audit_auditpurge
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

CREATE OR REPLACE FUNCTION audit_purge_before(cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    first_kept bigint;
    last_id bigint;
    last_hash varchar(64);
    purged integer;
BEGIN
    IF cutoff > now() - interval '{MINIMUM_RETENTION}' THEN
        RAISE EXCEPTION 'audit entries are kept at least {MINIMUM_RETENTION}; cutoff % is too recent', cutoff
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK});
    -- Only a prefix of the chain goes, so what remains is one unbroken chain from its anchor.
    SELECT min(id) INTO first_kept FROM public.audit_auditentry WHERE at >= cutoff;
    SELECT id, hash INTO last_id, last_hash FROM public.audit_auditentry
        WHERE first_kept IS NULL OR id < first_kept ORDER BY id DESC LIMIT 1;
    IF last_id IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM set_config('coopcases.audit_purge', 'on', true);
    DELETE FROM public.audit_auditentry WHERE id <= last_id;
    GET DIAGNOSTICS purged = ROW_COUNT;
    PERFORM set_config('coopcases.audit_purge', 'off', true);
    INSERT INTO public.audit_auditpurge (at, cutoff, purged_count, last_purged_id, last_purged_hash, db_user)
        VALUES (now(), cutoff, purged, last_id, last_hash, session_user);
    RETURN purged;
END
$$;
REVOKE ALL ON FUNCTION audit_purge_before(timestamptz) FROM PUBLIC;
"""

BACKWARD = """
DROP FUNCTION IF EXISTS audit_purge_before(timestamptz);
DROP TRIGGER IF EXISTS audit_auditpurge_no_truncate ON audit_auditpurge;
DROP TRIGGER IF EXISTS audit_auditpurge_append_only ON audit_auditpurge;
DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_auditentry_append_only ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_auditpurge_retentionpolicy")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
