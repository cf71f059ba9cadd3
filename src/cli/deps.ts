// Builds the services commands use. The process entry opens them lazily (openServices,
// without the server's part; database, embedded PostgreSQL, migrations and the development
// SECRET_KEY resolved exactly as the server does); tests call buildDeps() with a test database.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/load.js';
import { AppError } from '../shared/errors.js';
import type { Database } from '../db/database.js';
import { prepareRuntime } from '../runtime.js';
import { createLogger } from '../shared/logger.js';
import { createServices, openServices, type Services, type ServiceOptions } from '../services.js';
import type { CliDeps, CliIo } from './context.js';

export interface BuildOptions extends Pick<ServiceOptions, 'now' | 'hasherOptions'> {
  /** What opening the database migrated (see CliDeps.appliedMigrations); default none. */
  appliedMigrations?: string[];
}

export function buildDeps(config: Config, database: Database, options: BuildOptions = {}): CliDeps {
  return cliDeps(config, database, createServices(config, database, { now: options.now, hasherOptions: options.hasherOptions }), options);
}

// No change listener here (a CLI run only writes): the database's triggers announce its
// changes to every server process, which drop cached rows and credentials at once.
function cliDeps(config: Config, database: Database, services: Services, options: BuildOptions): CliDeps {
  const { accounts, tenants, clients, hasher, endpoints, keys, upstreams, mfa, envelope } = services;
  return {
    config,
    database,
    appliedMigrations: options.appliedMigrations ?? [],
    accounts,
    tenants,
    clients,
    hasher,
    endpoints,
    keys,
    upstreams,
    mfa,
    envelope,
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

export interface OpenedDeps {
  deps: CliDeps;
  close(): Promise<void>;
}

/** A connection URL with its password replaced by ****, for printing. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

export interface LocalOptions {
  /** --init: create a new embedded database when DATA_DIR holds none. */
  init?: boolean;
  /** ISSUER was set explicitly (else it is derived from PORT, which may not be the server's). */
  issuerSet?: boolean;
}

/**
 * Local mode says which database and issuer it works on (stderr, so --json output stays
 * clean), and refuses to create an embedded database nobody asked for: a CLI started with
 * another DATA_DIR than the server's would otherwise work on a new, empty database.
 */
function announceLocal(config: Config, io: CliIo, options: LocalOptions): void {
  let database: string;
  if (config.DATABASE_URL) database = `${maskUrl(config.DATABASE_URL)} (DATABASE_URL)`;
  else {
    const dir = resolve(config.DATA_DIR, 'pg');
    if (!existsSync(join(dir, 'PG_VERSION')) && !options.init) {
      throw new AppError(
        'no_database',
        400,
        `no database here: DATABASE_URL is not set and DATA_DIR=${config.DATA_DIR} holds no embedded database (${dir}). ` +
          'Set DATABASE_URL or DATA_DIR as the server has them, or use --server/--profile to talk to the running server; --init creates a new, empty embedded database here.',
      );
    }
    database = `embedded PostgreSQL in ${dir}${existsSync(join(dir, 'PG_VERSION')) ? '' : ' (new: --init)'}`;
  }
  const issuer = options.issuerSet ? config.ISSUER : `${config.ISSUER} (ISSUER not set: derived from PORT=${config.PORT}; set ISSUER as the server has it)`;
  io.stderr(`local mode: database ${database}\nlocal mode: issuer ${issuer}\n`);
}

export async function openDeps(config: Config, io: CliIo, options: LocalOptions = {}): Promise<OpenedDeps> {
  announceLocal(config, io, options);
  const runtime = await prepareRuntime(config, cliLogger(io));
  const services = await openServices(runtime.config, {});
  return {
    deps: cliDeps(runtime.config, services.database, services, { appliedMigrations: runtime.applied }),
    async close() {
      await services.close();
      await runtime.stop();
    },
  };
}

/**
 * Opens the dependencies on the first deps() call only, so `--help` and argument errors
 * need no database; close() closes them if they were opened (a failed open has nothing to close).
 */
export function lazyDeps(open: () => Promise<OpenedDeps>): { deps(): Promise<CliDeps>; close(): Promise<void> } {
  let opened: Promise<OpenedDeps> | undefined;
  return {
    // then(): an opener that throws (e.g. loadConfig) rejects like any other failure.
    deps: async () => {
      opened ??= Promise.resolve().then(open);
      return (await opened).deps;
    },
    close: async () => {
      if (opened)
        await opened.then(
          (o) => o.close(),
          () => {},
        );
    },
  };
}
