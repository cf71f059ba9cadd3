// The services the server (createApp) and the admin CLI both build from a config: password
// hasher, login throttle, accounts, tenants, OAuth clients and the signing-key service.
import type { Config } from './config/load.js';
import type { Db } from './db/client.js';
import type { OnChange } from './tenants/events.js';
import { createPasswordHasher, hasherOptionsFromConfig, type PasswordHasher, type PasswordHasherOptions } from './accounts/password.js';
import { createLoginThrottle, throttleOptionsFromConfig } from './accounts/throttle.js';
import { createAccountService, type AccountService } from './accounts/accounts.js';
import { createTenantService, type TenantService } from './tenants/tenants.js';
import { createEndpointPolicy, type EndpointPolicy } from './tenants/endpoints.js';
import { createClientService, type ClientService } from './idp/clients.js';
import { createKeyService, type KeyService } from './idp/keys.js';
import { createEnvelope } from './idp/envelope.js';
import type { Database } from './db/database.js';
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
  /**
   * The Prisma client, while modules move to the one data layer (`database`). Transitional:
   * removed once no service reads through it.
   */
  db: Db;
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
}

export function createServices(config: Config, database: Database, options: ServiceOptions): Services {
  const now = options.now ?? Date.now;
  const date = () => new Date(now());
  const hasher = createPasswordHasher({ ...hasherOptionsFromConfig(config), ...options.hasherOptions });
  const throttle = createLoginThrottle({ database, ...throttleOptionsFromConfig(config), now: date, sleep: options.sleep });
  let keys: KeyService | undefined;
  let upstreams: UpstreamService | undefined;
  let mfa: MfaService | undefined;
  const secretKey = (what: string) => {
    if (!config.SECRET_KEY) throw new Error(`SECRET_KEY is not set: ${what} need the key the server uses`);
    return config.SECRET_KEY;
  };
  const endpoints = createEndpointPolicy({ allowlist: config.ENDPOINT_ALLOWLIST, production: config.NODE_ENV === 'production' });
  return {
    endpoints,
    hasher,
    accounts: createAccountService({ database, hasher, throttle, now: date, onChange: options.onChange }),
    tenants: createTenantService({ database, now: date, onChange: options.onChange, endpoints }),
    clients: createClientService({ database }),
    mfa() {
      const key = secretKey('second-factor checks');
      mfa ??= createMfaService({ database, envelope: createEnvelope(key), secretKey: key, throttle, now: date });
      return mfa;
    },
    keys() {
      const key = secretKey('key commands');
      keys ??= createKeyService({
        database, envelope: createEnvelope(key), now, activationDelaySeconds: config.KEY_ACTIVATION_DELAY,
        maxTokenTtlSeconds: Math.max(config.ID_TOKEN_TTL, config.ACCESS_TOKEN_TTL, config.SESSION_TTL),
      });
      return keys;
    },
    upstreams() {
      if (!config.SECRET_KEY) throw new Error('SECRET_KEY is not set: upstream client secrets are encrypted with the key the server uses');
      upstreams ??= createUpstreamService({ database, envelope: createEnvelope(config.SECRET_KEY), production: config.NODE_ENV === 'production' });
      return upstreams;
    },
  };
}
