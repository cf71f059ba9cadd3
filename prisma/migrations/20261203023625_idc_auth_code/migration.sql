-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "auth_code_redirect_uri" TEXT,
ADD COLUMN     "auth_mode" TEXT NOT NULL DEFAULT 'trusted-token-issuer';

-- CreateTable
CREATE TABLE "idc_sessions" (
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "refresh_token_enc" TEXT NOT NULL,
    "connected_at" TIMESTAMP(3) NOT NULL,
    "refreshed_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "idc_sessions_pkey" PRIMARY KEY ("tenant_id","user_id")
);

-- CreateTable
CREATE TABLE "idc_connect_states" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "service_client_id" TEXT NOT NULL,
    "code_verifier_enc" TEXT NOT NULL,
    "return_url" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "idc_connect_states_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "idc_connect_states_expires_at_idx" ON "idc_connect_states"("expires_at");

