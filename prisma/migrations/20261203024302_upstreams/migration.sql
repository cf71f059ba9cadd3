-- CreateTable
CREATE TABLE "upstreams" (
    "id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "client_id" TEXT,
    "client_secret_enc" TEXT,
    "scopes" TEXT[] DEFAULT ARRAY['openid', 'email', 'profile']::TEXT[],
    "tenants" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "email_domains" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "claim_email" TEXT NOT NULL DEFAULT 'email',
    "claim_email_verified" TEXT NOT NULL DEFAULT 'email_verified',
    "claim_name" TEXT NOT NULL DEFAULT 'name',
    "claim_groups" TEXT,
    "tenant_claim" TEXT,
    "tenant_map" JSONB NOT NULL DEFAULT '{}',
    "token_audience" TEXT,
    "clock_skew_seconds" INTEGER NOT NULL DEFAULT 30,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "upstreams_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "federated_identities" (
    "upstream_id" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "federated_identities_pkey" PRIMARY KEY ("upstream_id","subject")
);

-- CreateIndex
CREATE INDEX "federated_identities_user_id_idx" ON "federated_identities"("user_id");

-- AddForeignKey
ALTER TABLE "federated_identities" ADD CONSTRAINT "federated_identities_upstream_id_fkey" FOREIGN KEY ("upstream_id") REFERENCES "upstreams"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "federated_identities" ADD CONSTRAINT "federated_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

