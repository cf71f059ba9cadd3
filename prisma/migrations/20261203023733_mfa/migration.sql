-- CreateEnum
CREATE TYPE "MfaPolicy" AS ENUM ('off', 'optional', 'required');

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN     "mfa_policy" "MfaPolicy" NOT NULL DEFAULT 'off';

-- CreateTable
CREATE TABLE "user_mfa" (
    "user_id" TEXT NOT NULL,
    "totp_secret_enc" TEXT NOT NULL,
    "confirmed_at" TIMESTAMP(3),
    "last_step" BIGINT,
    "recovery_codes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "user_mfa_pkey" PRIMARY KEY ("user_id")
);

-- AddForeignKey
ALTER TABLE "user_mfa" ADD CONSTRAINT "user_mfa_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

