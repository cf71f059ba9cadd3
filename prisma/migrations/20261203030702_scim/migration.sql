-- AlterTable
ALTER TABLE "users" ADD COLUMN     "external_id" TEXT,
ADD COLUMN     "family_name" TEXT,
ADD COLUMN     "given_name" TEXT;

-- CreateTable
CREATE TABLE "scim_groups" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "display_name" TEXT NOT NULL,
    "external_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "scim_groups_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "scim_groups_tenant_id_display_name_key" ON "scim_groups"("tenant_id", "display_name");

-- CreateIndex
CREATE INDEX "users_tenant_id_external_id_idx" ON "users"("tenant_id", "external_id");

-- AddForeignKey
ALTER TABLE "scim_groups" ADD CONSTRAINT "scim_groups_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

