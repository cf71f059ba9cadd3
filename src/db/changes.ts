// Change notification across processes. Triggers on tenants, users, oidc_clients and
// signing_keys (migration 20261203040000_change_notify) send pg_notify('tti_changes',
// {table, id, tenant_id}) when a change commits, whoever made it: this instance, another
// one, or a CLI process. Each server process holds one dedicated LISTEN connection (not
// from the pool: LISTEN is per session) and hands every change to its subscribers, which
// drop cached rows, cached AWS sessions, or reload signing keys.
//
// If the connection drops (database restart, failover, pg_terminate_backend) it reconnects
// with backoff. Changes sent meanwhile are lost, so: while disconnected `connected` is
// false (the read cache then keeps entries only briefly: polling as the fallback), and
// after every (re)connection subscribers get reset() (drop everything cached).
import pg from 'pg';
import { poolConfig, type DbTimeouts, DEFAULT_DB_TIMEOUTS } from './pool.js';

export const CHANNEL = 'tti_changes';
/** application_name of the LISTEN session (operators and tests can find it in pg_stat_activity). */
export const LISTENER_NAME = 'tti-bridge-listen';

export type ChangedTable = 'tenants' | 'users' | 'oidc_clients' | 'signing_keys';

export interface Change {
  table: ChangedTable;
  /** The row's id (tenant id, user id, client id, kid). */
  id: string;
  /** The tenant the row belongs to (tenants and users), else null. */
  tenantId: string | null;
}

export interface ChangeSubscriber {
  change(c: Change): void;
  /** Changes may have been missed (the listener was disconnected): drop everything cached. */
  reset(): void;
}

export interface ChangeFeed {
  subscribe(s: ChangeSubscriber): () => void;
  /** Delivers a change made in this process at once (its notification follows; handling is idempotent). */
  publish(c: Change): void;
  /** True while notifications flow (the LISTEN connection is up). */
  readonly connected: boolean;
}

export interface ChangeListener extends ChangeFeed {
  /** First connection attempt; resolves either way (reconnecting continues in the background). */
  start(): Promise<void>;
  close(): Promise<void>;
}

const TABLES = new Set<string>(['tenants', 'users', 'oidc_clients', 'signing_keys']);

export function parseChange(payload: string | undefined): Change | null {
  try {
    const p = JSON.parse(payload ?? '') as { table?: unknown; id?: unknown; tenant_id?: unknown };
    if (typeof p.table !== 'string' || !TABLES.has(p.table) || typeof p.id !== 'string') return null;
    return { table: p.table as ChangedTable, id: p.id, tenantId: typeof p.tenant_id === 'string' ? p.tenant_id : null };
  } catch {
    return null;
  }
}

/** A feed with no database behind it (tests, and processes that only write, like the CLI). */
export function createLocalFeed(): ChangeFeed & { deliverReset(): void } {
  const subscribers = new Set<ChangeSubscriber>();
  const each = (fn: (s: ChangeSubscriber) => void) => {
    for (const s of subscribers) {
      try {
        fn(s);
      } catch {
        // A subscriber owns its errors: one failing must not starve the others.
      }
    }
  };
  return {
    subscribe(s) {
      subscribers.add(s);
      return () => void subscribers.delete(s);
    },
    publish: (c) => each((s) => s.change(c)),
    deliverReset: () => each((s) => s.reset()),
    connected: false,
  };
}

export interface ListenerOptions {
  databaseUrl: string;
  timeouts?: DbTimeouts;
  onError?: (err: Error, context: string) => void;
  onConnected?: () => void;
  /** First and longest reconnect delay (ms). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /**
   * How often the idle LISTEN session is asked `SELECT 1`, and how long the answer may take
   * (ms). A connection that died without a word (a partition, a frozen server) is otherwise
   * noticed only by TCP keepalive, hours later, while rows stay cached as if notifications
   * flowed. Defaults: 10 s and 5 s.
   */
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

export function createChangeListener(opts: ListenerOptions): ChangeListener {
  const local = createLocalFeed();
  const minDelay = opts.minDelayMs ?? 100;
  const maxDelay = opts.maxDelayMs ?? 5_000;
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let delay = minDelay;
  let timer: NodeJS.Timeout | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let connecting: Promise<void> | undefined;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const heartbeatTimeoutMs = opts.heartbeatTimeoutMs ?? 5_000;

  function lost(c: pg.Client, err?: Error) {
    if (client !== c) return;
    client = undefined;
    connected = false;
    clearInterval(heartbeat);
    if (err) opts.onError?.(err, 'change listener connection lost');
    c.end().catch(() => {});
    // A peer that stopped answering never acknowledges end(): drop the socket too.
    (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    schedule();
  }

  function beat(c: pg.Client) {
    clearInterval(heartbeat);
    heartbeat = setInterval(() => {
      // query_timeout per query is honoured by pg (lib/client.js), though its types omit it.
      const ping = { text: 'SELECT 1', query_timeout: heartbeatTimeoutMs } as pg.QueryConfig;
      c.query(ping).catch((err: Error) => lost(c, err));
    }, heartbeatMs);
    heartbeat.unref();
  }

  function schedule() {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
    timer.unref();
    delay = Math.min(maxDelay, delay * 2);
  }

  function connect(): Promise<void> {
    connecting ??= (async () => {
      // No statement timeout on a session that only waits; the connect timeout still applies.
      const c = new pg.Client({
        ...poolConfig(opts.databaseUrl, { ...(opts.timeouts ?? DEFAULT_DB_TIMEOUTS), statementMs: 0, idleInTransactionMs: 0 }),
        application_name: LISTENER_NAME,
      });
      c.on('error', (err) => lost(c, err));
      c.on('end', () => lost(c));
      c.on('notification', (msg) => {
        const change = msg.channel === CHANNEL ? parseChange(msg.payload) : null;
        if (change) local.publish(change);
      });
      try {
        client = c;
        await c.connect();
        await c.query(`LISTEN ${CHANNEL}`);
        if (closed || client !== c) {
          await c.end().catch(() => {});
          return;
        }
        connected = true;
        delay = minDelay;
        beat(c);
        // Whatever changed while nobody listened is unknown: caches start over.
        local.deliverReset();
        opts.onConnected?.();
      } catch (err) {
        if (client === c) lost(c, err as Error);
      }
    })().finally(() => {
      connecting = undefined;
    });
    return connecting;
  }

  return {
    subscribe: local.subscribe,
    publish: local.publish,
    get connected() {
      return connected;
    },
    start: () => connect(),
    async close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(heartbeat);
      await connecting;
      const c = client;
      client = undefined;
      connected = false;
      await c?.end().catch(() => {});
    },
  };
}
