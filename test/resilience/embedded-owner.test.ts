// The embedded PostgreSQL runs detached from the process that started it (so a terminal's
// Ctrl-C reaches only our shutdown). If that process is killed with -9, the server stays up;
// the next process on the same DATA_DIR must adopt it and stop it at its own shutdown, while a
// process that finds it owned by a live one (the CLI next to the service) only shares it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const repo = new URL('../..', import.meta.url).pathname;

const postmasterPid = (dataDir: string) => {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : null;
};
const alive = (pid: number | null) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A child process that starts the embedded server on dataDir and then dies by SIGKILL, leaving it running. */
function startAndDie(dataDir: string) {
  const script = `
    import { startEmbeddedPostgres } from './src/db/embedded.ts';
    await startEmbeddedPostgres(process.env.DATA_DIR, () => {});
    process.kill(process.pid, 'SIGKILL');`;
  try {
    execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repo,
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: 'pipe',
    });
  } catch (err) {
    assert.equal((err as { signal?: string }).signal, 'SIGKILL', String(err));
  }
}

/** A child process that opens the embedded server on dataDir and stops it (as a CLI run does). */
function openAndStop(dataDir: string) {
  const script = `
    import { startEmbeddedPostgres } from './src/db/embedded.ts';
    const db = await startEmbeddedPostgres(process.env.DATA_DIR, () => {});
    await db.stop();`;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    env: { ...process.env, DATA_DIR: dataDir },
    stdio: 'pipe',
  });
}

test('a server orphaned by kill -9 is adopted and stopped by the next process; one owned by a live process is only shared', { timeout: 90_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttib-owner-'));
  chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as 'postgres' and must reach it
  const dataDir = join(dir, '.data');
  try {
    startAndDie(dataDir);
    const orphan = postmasterPid(dataDir);
    assert.ok(alive(orphan), 'the server outlived the process killed with -9');

    // This process adopts it: its stop() ends the orphan.
    const adopted = await startEmbeddedPostgres(dataDir, () => {});
    assert.equal(postmasterPid(dataDir), orphan, 'the running server was reused, not a second one started');
    await adopted.stop();
    assert.equal(alive(orphan), false, 'the adopting process stopped the orphan');
    assert.equal(existsSync(join(dataDir, 'pg-owner')), false);

    // Owned by a live process (this one): another process only shares it.
    const owned = await startEmbeddedPostgres(dataDir, () => {});
    const server = postmasterPid(dataDir);
    try {
      openAndStop(dataDir);
      assert.ok(alive(server), "a sharing process's stop() leaves the owner's server running");
    } finally {
      await owned.stop();
    }
    assert.equal(alive(server), false);
  } finally {
    const pid = postmasterPid(dataDir);
    if (alive(pid)) process.kill(pid!, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
