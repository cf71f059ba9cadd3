// Resolves what a config leaves open at run time: the database (embedded PostgreSQL when
// DATABASE_URL is unset) and, outside production, a generated SECRET_KEY kept in DATA_DIR.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from './config/load.js';
import type { Logger } from './shared/logger.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { applyMigrations } from './db/migrate.js';

export interface Runtime {
  config: Config & { SECRET_KEY: string; DATABASE_URL: string };
  /** Migrations this call applied (empty when the schema was already current). */
  applied: string[];
  stop(): Promise<void>;
}

function developmentSecret(dataDir: string, log: Logger): string {
  const file = join(resolve(dataDir), 'secret-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(resolve(dataDir), { recursive: true });
  const key = `dev-${randomBytes(32).toString('base64url')}`;
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  log.warn({ file }, 'SECRET_KEY not set: generated a development key. Set SECRET_KEY in production.');
  return key;
}

export async function prepareRuntime(config: Config, log: Logger): Promise<Runtime> {
  const secret = config.SECRET_KEY ?? developmentSecret(config.DATA_DIR, log);
  let databaseUrl = config.DATABASE_URL;
  let stopDb = async () => {};
  if (!databaseUrl) {
    // loadConfig already refuses this; kept here too because the embedded server is a local,
    // single-host database that a production deployment must choose knowingly.
    if (config.NODE_ENV === 'production' && !config.EMBEDDED_DATABASE) {
      throw new Error('DATABASE_URL is required in production (or set EMBEDDED_DATABASE=true to run the embedded PostgreSQL deliberately)');
    }
    const embedded = await startEmbeddedPostgres(config.DATA_DIR, (m) => log.warn(m));
    log.info({ dir: resolve(config.DATA_DIR, 'pg') }, 'DATABASE_URL not set: using embedded PostgreSQL');
    databaseUrl = embedded.url;
    stopDb = embedded.stop;
  }
  let applied: string[];
  try {
    applied = await applyMigrations(databaseUrl);
  } catch (err) {
    await stopDb(); // the embedded PostgreSQL must not outlive a failed start
    throw err;
  }
  if (applied.length) log.info({ applied }, 'database migrations applied');
  return { config: { ...config, SECRET_KEY: secret, DATABASE_URL: databaseUrl }, applied, stop: stopDb };
}
