// The one place that builds this process's dependencies from a config (the HTTP routes
// aside: src/app.ts mounts them on what is built here). createServices: the domain services
// (password hasher, login throttle, accounts, tenants, OAuth clients, signing keys, second
// factor, upstream providers) over a database. openServices: opens the process's one pool,
// builds them, and for the server also the rest (src/server-services.ts: change listener,
// keys and provider, minter, verifier, broker, federation, sweeps), with one close().
// The admin CLI (src/cli/deps.ts) and the server (src/main.ts) both open theirs here.
import type { Config } from './config/load.js';
import type { OnChange } from './tenants/events.js';
import { createPasswordHasher, hasherOptionsFromConfig, type PasswordHasher, type PasswordHasherOptions } from './accounts/password.js';
import { createLoginThrottle, throttleOptionsFromConfig } from './accounts/throttle.js';
import { createAccountService, type AccountService } from './accounts/accounts.js';
import { createTenantService, type TenantService } from './tenants/tenants.js';
import { createEndpointPolicy, type EndpointPolicy } from './tenants/endpoints.js';
import { createClientService, type ClientService } from './idp/clients.js';
import { createKeyService, type KeyService } from './idp/keys.js';
import { createEnvelope, type Envelope } from './idp/envelope.js';
import { openDatabase, type Database, type OpenedDatabase } from './db/database.js';
import type { RowCache } from './db/row-cache.js';
import { dbTimeouts } from './db/pool.js';
import { createLogger, type Logger } from './shared/logger.js';
import type { ServerOptions, ServerServices } from './server-services.js';
import { createUpstreamService, type UpstreamService } from './federation/upstreams.js';
import { createMfaService, type MfaService } from './accounts/mfa.js';

export interface ServiceOptions {
  /** Clock in epoch milliseconds; default Date.now. */
  now?: () => number;
  /** Tests and benchmarks may lower argon2 cost below the production minimum. */
  hasherOptions?: Partial<PasswordHasherOptions>;
  /** How the login throttle waits out its delays (tests skip them). */
  sleep?: (ms: number) => Promise<void>;
  /** Told when a tenant or user changes (the server's broker drops cached credentials). */
  onChange?: OnChange;
  /** The server's row cache, shared with the broker (default: none, e.g. for the CLI). */
  rows?: RowCache;
}

export interface Services {
  accounts: AccountService;
  tenants: TenantService;
  clients: ClientService;
  /** argon2id with the configured parameters (SCIM hashes provisioned passwords with it). */
  hasher: PasswordHasher;
  /** Where tenants' AWS endpoint overrides may point (the broker checks again before each use). */
  endpoints: EndpointPolicy;
  /** Built on first use: needs SECRET_KEY. */
  keys(): KeyService;
  /** Upstream identity providers; built on first use: needs SECRET_KEY (their client secrets) and the database. */
  upstreams(): UpstreamService;
  /** Second factor for local accounts; built on first use: needs SECRET_KEY (sealed secrets, recovery-code key). */
  mfa(): MfaService;
  /** Encryption of secrets at rest under SECRET_KEY (keys, MFA secrets, upstream and Identity Center secrets). */
  envelope(): Envelope;
}

export function createServices(config: Config, database: Database, options: ServiceOptions = {}): Services {
  const now = options.now ?? Date.now;
  const date = () => new Date(now());
  const hasher = createPasswordHasher({ ...hasherOptionsFromConfig(config), ...options.hasherOptions });
  const throttle = createLoginThrottle({ database, ...throttleOptionsFromConfig(config), now: date, sleep: options.sleep });
  let keys: KeyService | undefined;
  let upstreams: UpstreamService | undefined;
  let mfa: MfaService | undefined;
  let envelope: Envelope | undefined;
  const secretKey = (what: string) => {
    if (!config.SECRET_KEY) throw new Error(`SECRET_KEY is not set: ${what} need the key the server uses`);
    return config.SECRET_KEY;
  };
  const sealing = (what: string) => (envelope ??= createEnvelope(secretKey(what)));
  const endpoints = createEndpointPolicy({ allowlist: config.ENDPOINT_ALLOWLIST, production: config.NODE_ENV === 'production' });
  return {
    endpoints,
    hasher,
    accounts: createAccountService({ database, hasher, throttle, now: date, onChange: options.onChange }),
    tenants: createTenantService({ database, now: date, onChange: options.onChange, endpoints }),
    clients: createClientService({ database, rows: options.rows }),
    mfa() {
      const key = secretKey('second-factor checks');
      mfa ??= createMfaService({ database, envelope: sealing('second-factor checks'), secretKey: key, throttle, now: date });
      return mfa;
    },
    keys() {
      keys ??= createKeyService({
        database,
        envelope: sealing('key commands'),
        now,
        activationDelaySeconds: config.KEY_ACTIVATION_DELAY,
        maxTokenTtlSeconds: Math.max(config.ID_TOKEN_TTL, config.ACCESS_TOKEN_TTL, config.SESSION_TTL),
      });
      return keys;
    },
    upstreams() {
      if (!config.SECRET_KEY) throw new Error('SECRET_KEY is not set: upstream client secrets are encrypted with the key the server uses');
      upstreams ??= createUpstreamService({ database, envelope: sealing('upstream client secrets'), production: config.NODE_ENV === 'production' });
      return upstreams;
    },
    envelope: () => sealing('secrets at rest'),
  };
}

export interface OpenOptions extends Pick<ServiceOptions, 'now' | 'hasherOptions' | 'sleep'> {
  /** Default: silent (the CLI reports no idle-connection closes). */
  logger?: Logger;
  /**
   * An already open database (tests): used as is and left open by close(). Default: this
   * process's one pool, opened from DATABASE_URL with the configured timeouts.
   */
  database?: Pick<OpenedDatabase, 'database' | 'pool'>;
  /** Also build what only the server needs (listener, keys and provider, broker, sweeps). */
  server?: ServerOptions;
}

export interface OpenedServices extends Services {
  config: Config;
  /** The one data layer: Kysely over the process's pool. */
  database: Database;
  /** That pool, for the few hand-written statements on the hottest paths. */
  pool: OpenedDatabase['pool'];
  /** Stops what was started (the server's background work, then flushes the audit trail), then closes the pool it opened. */
  close(): Promise<void>;
}

/** What the server runs on: every service, the server's own included. */
export type AppServices = Omit<ServerServices, 'close'> & OpenedServices;

export async function openServices(config: Config, options: OpenOptions & { server: ServerOptions }): Promise<AppServices>;
export async function openServices(config: Config, options: OpenOptions): Promise<OpenedServices>;
export async function openServices(config: Config, options: OpenOptions): Promise<OpenedServices | AppServices> {
  const logger = options.logger ?? createLogger('silent');
  if (!config.DATABASE_URL && !options.database)
    throw new Error('DATABASE_URL must be resolved before opening the services (src/runtime.ts starts the embedded database)');
  const opened = options.database
    ? { ...options.database, close: async () => {} }
    : openDatabase(config.DATABASE_URL!, {
        timeouts: dbTimeouts(config),
        onIdleError: (err) => logger.warn({ err: { message: err.message } }, 'idle database connection closed by the server'),
      });
  const { database, pool } = opened;
  // Once: a second close() (a caller's cleanup after a shutdown) waits for the first. Its own
  // pool resolves once the connections are closed; a handed-in one stays open.
  let poolClosed: Promise<void> | undefined;
  const closePool = () => (poolClosed ??= opened.close());
  const { now, hasherOptions, sleep } = options;
  if (!options.server) {
    // No change listener here (a CLI run only writes): the database's triggers announce its
    // changes to every server process, which drop cached rows and credentials at once.
    return { ...createServices(config, database, { now, hasherOptions, sleep }), config, database, pool, close: closePool };
  }
  try {
    // Loaded only here: the CLI starts without the provider, the broker and the AWS SDK.
    const { startServerServices } = await import('./server-services.js');
    const server = await startServerServices(config, { ...options.server, database, pool, logger, now, hasherOptions, sleep });
    let closed: Promise<void> | undefined;
    return {
      ...server,
      database,
      pool,
      // The pool last, whatever the server's part threw (its audit flush needs the pool).
      close: () => (closed ??= server.close().finally(closePool)),
    };
  } catch (err) {
    await closePool();
    throw err;
  }
}
