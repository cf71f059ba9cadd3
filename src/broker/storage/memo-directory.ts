// The broker's directory through the process's one row cache (src/db/row-cache.ts): a
// cached search then needs no database round trip. Changes made in this process
// invalidate at once; changes made by another process (the CLI, another instance) arrive
// as database change notifications, which the cache follows itself. userByEmail is not
// cached (it is the backend-access path, and a new user must be found at once).
import { type RowCache, WHOLE_TABLE } from '../../db/row-cache.js';
import type { Directory } from '../ports.js';

export interface MemoDirectory extends Directory {
  invalidateTenant(tenantId: string): void;
  invalidateUser(userId: string): void;
  /** A service client changed: its allowed tenants, and possibly which client is the data accessor. */
  invalidateClient(clientId: string): void;
  clear(): void;
}

export function memoDirectory(inner: Directory, cache: RowCache): MemoDirectory {
  return {
    tenant: (id) => cache.get({ table: 'tenants', id }, () => inner.tenant(id)),
    user: (id) => cache.get({ table: 'users', id }, () => inner.user(id)),
    allowedTenants: (clientId) => cache.get({ table: 'oidc_clients', id: clientId, as: 'allowedTenants' }, () => inner.allowedTenants(clientId)),
    userByEmail: (tenantId, email) => inner.userByEmail(tenantId, email),
    dataAccessorClientId: () =>
      cache.get({ table: 'oidc_clients', id: WHOLE_TABLE, as: 'dataAccessor' }, () => inner.dataAccessorClientId()) as Promise<string>,
    invalidateTenant: (id) => cache.invalidate('tenants', id),
    invalidateUser: (id) => cache.invalidate('users', id),
    invalidateClient: (clientId) => cache.invalidate('oidc_clients', clientId),
    clear: () => cache.clear(),
  };
}
