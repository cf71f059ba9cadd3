// What every command needs, injected so tests run commands in-process against a test
// database and read what they printed.
import type { Config } from '../config/load.js';
import type { Db } from '../db/client.js';
import type { AccountService } from '../accounts/accounts.js';
import type { TenantService } from '../tenants/tenants.js';
import type { ClientService } from '../idp/clients.js';
import type { KeyService } from '../idp/keys.js';

export interface CliDeps {
  config: Config;
  db: Db;
  tenants: TenantService;
  accounts: AccountService;
  clients: ClientService;
  /** Built on first use: needs SECRET_KEY, which only key commands require. */
  keys(): KeyService;
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
}
