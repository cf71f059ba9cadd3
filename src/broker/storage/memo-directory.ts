// A short-lived memo over the directory: a cached search then needs no database round
// trip. Changes made in this process invalidate at once (onChange); changes made by
// another process (the CLI, another instance) are seen within `ttlMs`.
import type { Clock, Directory } from '../ports.js';

export interface MemoDirectory extends Directory {
  invalidateTenant(tenantId: string): void;
  invalidateUser(userId: string): void;
}

export function memoDirectory(inner: Directory, opts: { ttlMs: number; now: Clock; max?: number }): MemoDirectory {
  const memo = new Map<string, { at: number; value: Promise<unknown> }>();
  const max = opts.max ?? 50_000;

  function cached<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = memo.get(key);
    if (hit && opts.now() - hit.at < opts.ttlMs) return hit.value as Promise<T | null>;
    const value = load();
    // Only found records are kept: a user created a moment ago must not be refused.
    value.then((v) => { if (v === null) memo.delete(key); }, () => memo.delete(key));
    if (memo.size >= max) memo.clear();
    memo.set(key, { at: opts.now(), value });
    return value;
  }

  return {
    tenant: (id) => cached(`t:${id}`, () => inner.tenant(id)),
    user: (id) => cached(`u:${id}`, () => inner.user(id)),
    allowedTenants: (clientId) => cached(`c:${clientId}`, () => inner.allowedTenants(clientId)),
    userByEmail: (tenantId, email) => inner.userByEmail(tenantId, email),
    dataAccessorClientId: () => inner.dataAccessorClientId(),
    invalidateTenant: (id) => void memo.delete(`t:${id}`),
    invalidateUser: (id) => void memo.delete(`u:${id}`),
  };
}
