// Identity-enhanced sessions per (tenant, user), in memory only. Entries are replaced
// shortly before they expire; concurrent misses for one key share one load
// (single-flight); a failed load is not kept; the least recently used entry goes
// first when the cache is full.
import type { Clock } from './ports.js';

export interface Loaded<V> {
  value: V;
  /** Epoch ms at which the value stops being usable. */
  expiresAt: number;
}

interface Entry<V> extends Loaded<V> {
  refreshAt: number;
}

export interface SessionCacheOptions {
  max: number;
  refreshMarginMs: number;
  now: Clock;
  /** Told whether each lookup was served from the cache (metrics). */
  onLookup?: (hit: boolean) => void;
}

interface Flight<V> {
  promise: Promise<Loaded<V>>;
}

const keyOf = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

export class SessionCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly inflight = new Map<string, Flight<V>>();

  constructor(private readonly opts: SessionCacheOptions) {}

  get size(): number {
    return this.entries.size;
  }

  /** The cached value, or the result of `load` (shared by concurrent callers). */
  async get(tenantId: string, userId: string, load: () => Promise<Loaded<V>>): Promise<V> {
    const key = keyOf(tenantId, userId);
    const hit = this.entries.get(key);
    if (hit && this.opts.now() < hit.refreshAt) {
      this.opts.onLookup?.(true);
      this.entries.delete(key); // re-insert: Map order is the LRU order
      this.entries.set(key, hit);
      return hit.value;
    }
    this.opts.onLookup?.(false);
    let flight = this.inflight.get(key);
    if (!flight) {
      const marker: Flight<V> = { promise: undefined as unknown as Promise<Loaded<V>> };
      marker.promise = this.loadInto(key, marker, load);
      this.inflight.set(key, marker);
      flight = marker;
    }
    return (await flight.promise).value;
  }

  private async loadInto(key: string, marker: Flight<V>, load: () => Promise<Loaded<V>>): Promise<Loaded<V>> {
    try {
      const loaded = await load();
      // An eviction during the load removed our marker: the result may belong to a tenant
      // or user that was just disabled, so the waiters get it but the cache keeps nothing.
      if (this.inflight.get(key) === marker) this.store(key, loaded);
      return loaded;
    } finally {
      if (this.inflight.get(key) === marker) this.inflight.delete(key);
    }
  }

  private store(key: string, loaded: Loaded<V>): void {
    const now = this.opts.now();
    if (loaded.expiresAt <= now) return;
    // Never let the margin swallow a short-lived session entirely.
    const margin = Math.min(this.opts.refreshMarginMs, (loaded.expiresAt - now) / 2);
    this.entries.delete(key);
    this.entries.set(key, { ...loaded, refreshAt: loaded.expiresAt - margin });
    while (this.entries.size > this.opts.max) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  evict(tenantId: string, userId: string): void {
    const key = keyOf(tenantId, userId);
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  /** Drops the entry only if it still holds `value` (a newer session is kept). */
  evictValue(tenantId: string, userId: string, value: V): void {
    const key = keyOf(tenantId, userId);
    if (this.entries.get(key)?.value === value) this.entries.delete(key);
  }

  evictTenant(tenantId: string): void {
    const prefix = `${tenantId}\u0000`;
    for (const key of this.entries.keys()) if (key.startsWith(prefix)) this.entries.delete(key);
    for (const key of this.inflight.keys()) if (key.startsWith(prefix)) this.inflight.delete(key);
  }

  clear(): void {
    this.entries.clear();
    this.inflight.clear();
  }
}
