-- Column defaults hold UTC wall time whatever the server's or the session's time zone
-- (CURRENT_TIMESTAMP stored the session zone's wall time in these zone-less columns).
-- AlterTable
ALTER TABLE "tenants" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "users" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "scim_groups" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "upstreams" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "federated_identities" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "user_mfa" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "oidc_clients" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "signing_keys" ALTER COLUMN "created_at" SET DEFAULT timezone('utc', now());

-- AlterTable
ALTER TABLE "audit_events" ALTER COLUMN "at" SET DEFAULT timezone('utc', now());

