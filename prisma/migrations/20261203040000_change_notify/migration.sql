-- Change notification (src/db/changes.ts): every committed change to a row that instances
-- cache sends pg_notify('tti_changes', {"table", "id", "tenant_id"}) to every listening
-- process, so caches drop it within milliseconds on every instance (the CLI included as
-- a writer). Not expressible in schema.prisma: hand-written, and invisible to `db:diff`.
CREATE OR REPLACE FUNCTION tti_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  r record;
  v_id text;
  v_tenant text;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  -- A login only stamps last_login_at (and a rehash the password): nothing cached changes,
  -- and a notification per login would evict that user's cached AWS session.
  IF TG_TABLE_NAME = 'users' AND TG_OP = 'UPDATE'
     AND (to_jsonb(OLD) - 'last_login_at' - 'password_hash' - 'updated_at') = (to_jsonb(NEW) - 'last_login_at' - 'password_hash' - 'updated_at') THEN
    RETURN NULL;
  END IF;
  CASE TG_TABLE_NAME
    WHEN 'tenants' THEN v_id := to_jsonb(r) ->> 'id'; v_tenant := v_id;
    WHEN 'users' THEN v_id := to_jsonb(r) ->> 'id'; v_tenant := to_jsonb(r) ->> 'tenant_id';
    WHEN 'oidc_clients' THEN v_id := to_jsonb(r) ->> 'client_id'; v_tenant := NULL;
    WHEN 'signing_keys' THEN v_id := to_jsonb(r) ->> 'kid'; v_tenant := NULL;
    ELSE v_id := NULL; v_tenant := NULL;
  END CASE;
  PERFORM pg_notify('tti_changes', json_build_object('table', TG_TABLE_NAME, 'id', v_id, 'tenant_id', v_tenant)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER tenants_notify_change AFTER INSERT OR UPDATE OR DELETE ON "tenants"
  FOR EACH ROW EXECUTE FUNCTION tti_notify_change();
CREATE TRIGGER users_notify_change AFTER INSERT OR UPDATE OR DELETE ON "users"
  FOR EACH ROW EXECUTE FUNCTION tti_notify_change();
CREATE TRIGGER oidc_clients_notify_change AFTER INSERT OR UPDATE OR DELETE ON "oidc_clients"
  FOR EACH ROW EXECUTE FUNCTION tti_notify_change();
CREATE TRIGGER signing_keys_notify_change AFTER INSERT OR UPDATE OR DELETE ON "signing_keys"
  FOR EACH ROW EXECUTE FUNCTION tti_notify_change();
