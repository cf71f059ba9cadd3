// Postgres reads for the broker: tenants, users and service clients (primary-key lookups).
// Tenants and clients go through the same query modules (and row mappers) as the services
// that write them (src/db/tenants.ts, src/db/oidc-clients.ts). createBroker puts
// memo-directory.ts in front (the process's row cache: a record is dropped when its change
// notification arrives, and kept at most 1 s by default while notifications are down), so a
// tenant or user disabled by another process is refused well within a second.
import { normalizeEmail } from '../../accounts/validate.js';
import type { Database } from '../../db/database.js';
import { oidcClientQueries } from '../../db/oidc-clients.js';
import { tenantQueries } from '../../db/tenants.js';
import type { Directory, UserRecord } from '../ports.js';

export function createDbDirectory(database: Database): Directory {
  const tenants = tenantQueries(database);
  const clients = oidcClientQueries(database);
  const users = () =>
    database.selectFrom('users').select(['id', 'tenant_id as tenantId', 'email', 'email_verified as emailVerified', 'name', 'groups', 'disabled']);
  const user = async (q: ReturnType<typeof users>): Promise<UserRecord | null> => (await q.executeTakeFirst()) ?? null;
  return {
    tenant: (id) => tenants.get(id),
    async user(id) {
      // Ids are uuids: anything else is no user, without a query.
      if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
      return user(users().where('id', '=', id));
    },
    userByEmail: (tenantId, email) => user(users().where('tenant_id', '=', tenantId).where('email', '=', normalizeEmail(email))),
    allowedTenants: (clientId) => clients.allowedTenants(clientId),
    // Not kept here: the memo (memo-directory.ts) caches it and drops it when a client changes.
    async dataAccessorClientId() {
      const id = await clients.dataAccessorId();
      if (!id) throw new Error('No OIDC client is marked as the data accessor client (isDataAccessor)');
      return id;
    },
  };
}
