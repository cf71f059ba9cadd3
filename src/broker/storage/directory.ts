// Postgres reads for the broker: tenants, users and service clients (primary-key
// lookups). createBroker puts memo-directory.ts in front (records reused for 1 s by
// default), so a tenant or user disabled by another process is refused within that time.
import { normalizeEmail } from '../../accounts/validate.js';
import type { Db } from '../../db/client.js';
import type { Directory, TenantRecord, UserRecord } from '../ports.js';

const USER_FIELDS = { id: true, tenantId: true, email: true, emailVerified: true, name: true, groups: true, disabled: true } as const;

export function createDbDirectory(db: Db, opts: { dataAccessorClientId?: string } = {}): Directory {
  let accessorId: Promise<string> | undefined;
  return {
    async tenant(id) {
      const t = await db.tenant.findUnique({ where: { id } });
      return t as TenantRecord | null;
    },
    async user(id) {
      // Not a uuid → no such user; avoids a Postgres cast error on malformed ids.
      if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
      const u = await db.user.findUnique({ where: { id }, select: USER_FIELDS });
      return u satisfies UserRecord | null;
    },
    async userByEmail(tenantId, email) {
      const u = await db.user.findUnique({ where: { tenantId_email: { tenantId, email: normalizeEmail(email) } }, select: USER_FIELDS });
      return u satisfies UserRecord | null;
    },
    async allowedTenants(clientId) {
      const c = await db.oidcClient.findUnique({ where: { clientId }, select: { allowedTenants: true } });
      return c?.allowedTenants ?? null;
    },
    dataAccessorClientId() {
      if (opts.dataAccessorClientId) return Promise.resolve(opts.dataAccessorClientId);
      accessorId ??= db.oidcClient.findFirst({ where: { isDataAccessor: true }, select: { clientId: true } }).then((c) => {
        if (!c) {
          accessorId = undefined;
          throw new Error('No OIDC client is marked as the data accessor client (isDataAccessor)');
        }
        return c.clientId;
      });
      return accessorId;
    },
  };
}
