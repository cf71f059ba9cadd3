// What every command needs, injected so tests run commands in-process against a test
// database and read what they printed.
import type { Config } from '../config/load.js';
import type { Database } from '../db/database.js';
import type { Services } from '../services.js';
import type { GlobalOptions } from './mode.js';

/** The server's services (keys() built on first use: only key commands need SECRET_KEY), plus the database. */
export interface CliDeps extends Services {
  config: Config;
  /** The one data layer (Kysely over the process's pg pool). */
  database: Database;
  /** Migrations applied when the database was opened (as the server does at start). */
  appliedMigrations: string[];
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whole standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  /** Asks on the terminal without echo; fails when there is no terminal. */
  promptHidden(question: string): Promise<string>;
  readFile(path: string): Promise<string>;
}

export interface CliContext {
  io: CliIo;
  /** Built on first use, so `--help` and argument errors need no database. */
  deps(): Promise<CliDeps>;
  /** NODE_ENV of the process (commands that need no config, like `sandbox`, still check it). */
  nodeEnv?: string;
  /** Environment for server mode (TTI_SERVER, TTI_PROFILE, TTI_CLIENT_ID, TTI_CLIENT_SECRET, HOME); none = local mode only. */
  env?: NodeJS.ProcessEnv;
  /** The global options of the command being run (set before its handler; the local opener reads --init). */
  globals?: GlobalOptions;
}
