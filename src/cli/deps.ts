// Builds the services commands use. The process entry opens them lazily (database,
// embedded PostgreSQL and the development SECRET_KEY resolved exactly as the server does);
// tests call buildDeps() with a test database.
import type { Config } from '../config/load.js';
import { createDb, type Db } from '../db/client.js';
import { prepareRuntime } from '../runtime.js';
import { createLogger } from '../shared/logger.js';
import { createPasswordHasher, hasherOptionsFromConfig, type PasswordHasherOptions } from '../accounts/password.js';
import { createLoginThrottle, throttleOptionsFromConfig } from '../accounts/throttle.js';
import { createAccountService } from '../accounts/accounts.js';
import { createTenantService } from '../tenants/tenants.js';
import { createClientService } from '../idp/clients.js';
import { createKeyService, type KeyService } from '../idp/keys.js';
import { createEnvelope } from '../idp/envelope.js';
import type { CliDeps, CliIo } from './context.js';

export interface BuildOptions {
  now?: () => Date;
  hasherOptions?: Partial<PasswordHasherOptions>;
}

export function buildDeps(config: Config, db: Db, options: BuildOptions = {}): CliDeps {
  const now = options.now ?? (() => new Date());
  const hasher = createPasswordHasher({ ...hasherOptionsFromConfig(config), ...options.hasherOptions });
  const throttle = createLoginThrottle({ db, ...throttleOptionsFromConfig(config), now });
  let keys: KeyService | undefined;
  return {
    config,
    db,
    // No change listener here: the CLI is another process. Servers see the new state on
    // their next read; cached broker credentials expire on their own schedule.
    tenants: createTenantService({ db, now }),
    accounts: createAccountService({ db, hasher, throttle, now }),
    clients: createClientService({ db }),
    keys() {
      if (!config.SECRET_KEY) throw new Error('SECRET_KEY is not set: key commands need the key the server uses');
      keys ??= createKeyService({
        db, envelope: createEnvelope(config.SECRET_KEY), now: () => now().getTime(),
        activationDelaySeconds: config.KEY_ACTIVATION_DELAY,
        maxTokenTtlSeconds: Math.max(config.ID_TOKEN_TTL, config.ACCESS_TOKEN_TTL, config.SESSION_TTL),
      });
      return keys;
    },
  };
}

/** Warnings from the runtime (embedded database, generated key) as plain `warning:` lines. */
function cliLogger(io: CliIo) {
  return createLogger('warn', {
    write(line: string) {
      const { msg } = JSON.parse(line) as { msg?: string };
      if (msg) io.stderr(`warning: ${msg}\n`);
    },
  });
}

export async function openDeps(config: Config, io: CliIo): Promise<{ deps: CliDeps; close(): Promise<void> }> {
  const runtime = await prepareRuntime(config, cliLogger(io));
  const db = createDb(runtime.config.DATABASE_URL);
  return {
    deps: buildDeps(runtime.config, db),
    async close() {
      await db.$disconnect();
      await runtime.stop();
    },
  };
}
