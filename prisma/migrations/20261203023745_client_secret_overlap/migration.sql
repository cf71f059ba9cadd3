-- AlterTable
ALTER TABLE "oidc_clients" ADD COLUMN     "previous_secret_expires_at" TIMESTAMP(3),
ADD COLUMN     "previous_secret_hash" TEXT;

