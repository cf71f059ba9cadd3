// A short-lived memo over the directory: a cached search then needs no database round
// trip. Changes made in this process invalidate at once (onChange); changes made by
// another process (the CLI, another instance) arrive as database change notifications
// (src/db/changes.ts) and invalidate too; `ttlMs` bounds staleness if one is missed (it is
// asked at every lookup: short while the LISTEN connection is down). A record past half
// its life is re-read in the background while the memo still answers, so steady traffic
// never waits for the database; a record is never served past `ttlMs` (a disable made
// elsewhere still takes effect in time).
import type { Clock, Directory } from '../ports.js';

export interface MemoDirectory extends Directory {
  invalidateTenant(tenantId: string): void;
  invalidateUser(userId: string): void;
  /** A service client changed: its allowed tenants, and possibly which client is the data accessor. */
  invalidateClient(clientId: string): void;
  clear(): void;
}

interface Entry { at: number; value: Promise<unknown>; refreshing?: boolean }

export function memoDirectory(inner: Directory, opts: { ttlMs: number | (() => number); now: Clock; max?: number }): MemoDirectory {
  const memo = new Map<string, Entry>();
  const max = opts.max ?? 50_000;
  const ttl = typeof opts.ttlMs === 'number' ? () => opts.ttlMs as number : opts.ttlMs;

  function store(key: string, at: number, value: Promise<unknown>): void {
    // Only found records are kept: a user created a moment ago must not be refused.
    value.then((v) => { if (v === null && memo.get(key)?.value === value) memo.delete(key); }, () => { if (memo.get(key)?.value === value) memo.delete(key); });
    if (memo.size >= max && !memo.has(key)) memo.clear();
    memo.set(key, { at, value });
  }

  function refresh(key: string, hit: Entry, load: () => Promise<unknown>): void {
    hit.refreshing = true;
    const at = opts.now();
    const value = load();
    value.then(() => {
      // Skip if invalidated (or replaced) meanwhile: this read may predate the change.
      if (memo.get(key) === hit) store(key, at, value); // which drops a record found gone
    }, () => { hit.refreshing = false; }); // keep the current record until it expires
  }

  function cached<T>(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const hit = memo.get(key);
    const age = hit ? opts.now() - hit.at : Infinity;
    const ttlMs = ttl();
    if (hit && age < ttlMs) {
      if (age >= ttlMs / 2 && !hit.refreshing) refresh(key, hit, load);
      return hit.value as Promise<T | null>;
    }
    const value = load();
    store(key, opts.now(), value);
    return value;
  }

  return {
    tenant: (id) => cached(`t:${id}`, () => inner.tenant(id)),
    user: (id) => cached(`u:${id}`, () => inner.user(id)),
    allowedTenants: (clientId) => cached(`c:${clientId}`, () => inner.allowedTenants(clientId)),
    userByEmail: (tenantId, email) => inner.userByEmail(tenantId, email),
    dataAccessorClientId: () => cached('da', () => inner.dataAccessorClientId()) as Promise<string>,
    invalidateTenant: (id) => void memo.delete(`t:${id}`),
    invalidateUser: (id) => void memo.delete(`u:${id}`),
    invalidateClient(clientId) {
      memo.delete(`c:${clientId}`);
      memo.delete('da');
    },
    clear: () => memo.clear(),
  };
}
