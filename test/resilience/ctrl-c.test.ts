// Ctrl-C on the zero-config service, as a terminal delivers it: SIGINT to the whole
// foreground process group. The embedded PostgreSQL must not receive it with us: our own
// shutdown drains, flushes the audit trail and only then stops the database, so the process
// exits 0 with no database errors, the queued audit event is written, and no server is left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './app-process.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';

const repo = new URL('../..', import.meta.url).pathname;

/** Whether something accepts connections on 127.0.0.1:port. */
const listening = (port: number) =>
  new Promise<boolean>((ok) => {
    const s = connect(port, '127.0.0.1')
      .once('connect', () => {
        s.destroy();
        ok(true);
      })
      .once('error', () => ok(false));
  });

/** The zero-config service (`src/main.ts`, embedded PostgreSQL in a fresh DATA_DIR) in its own process group, as a shell runs a foreground job. */
async function startService(extraEnv: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'ttib-ctrlc-'));
  chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as 'postgres' and must reach .data/pg
  const dataDir = join(dir, '.data');
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME ?? dir,
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', join(repo, 'src/main.ts')], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown')));
  const pidFile = join(dataDir, 'pg', 'postmaster.pid');
  return {
    child,
    dataDir,
    pidFile,
    issuer: `http://localhost:${port}`,
    output: () => out,
    /** The exit code or signal, or 'still running' after 20 s. */
    exit: () => Promise.race([exited, new Promise((ok) => setTimeout(() => ok('still running'), 20_000).unref())]),
    /** A signal to the whole group, as a terminal sends Ctrl-C. */
    killGroup(signal: NodeJS.Signals) {
      try {
        process.kill(-child.pid!, signal);
      } catch {}
    },
    /** Whatever the outcome: no process, no server on the data directory, no files left. */
    async cleanup() {
      if (child.exitCode === null && child.signalCode === null) {
        this.killGroup('SIGKILL');
        await exited;
      }
      if (existsSync(pidFile)) {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
        } catch {}
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

test('Ctrl-C (SIGINT to the process group) shuts the zero-config service down cleanly, audit flushed, database stopped last', { timeout: 90_000 }, async () => {
  const svc = await startService();
  const { child, dataDir, issuer } = svc;
  let pgPort: number | undefined;
  try {
    for (let i = 0; i < 120 && !svc.output().includes('Try the broker API') && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    assert.match(svc.output(), /Try the broker API/, `service did not start:\n${svc.output()}`);
    assert.equal((await fetch(`${issuer}/readyz`)).status, 200);
    pgPort = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[3]);
    assert.ok(await listening(pgPort), 'the embedded PostgreSQL listens');

    // A search refused for a tenant the demo client may not use: one audit event, queued for
    // the next batch (200 ms), so the Ctrl-C right after it finds it still in memory.
    const [, clientId, secret] = /-u '([^:']+):([^']+)'/.exec(svc.output())!;
    const tokenRes = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search', resource: `${issuer}/api` }),
    });
    assert.equal(tokenRes.status, 200);
    const { access_token: token } = (await tokenRes.json()) as { access_token: string };
    const tenant = `ctrlc-${Date.now()}`;
    const search = await fetch(`${issuer}/api/v1/tenants/${tenant}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queryText: 'x', user: { token: 'x' } }),
    });
    assert.ok(search.status >= 400 && search.status < 500, `search status ${search.status}`);

    svc.killGroup('SIGINT'); // the terminal's Ctrl-C
    const code = await svc.exit();
    assert.equal(code, 0, `exit code (output:\n${svc.output().slice(-3000)})`);
    for (const line of [/terminating connection/, /closed by the server/, /connection lost/, /ECONNREFUSED/, /"level":50/]) {
      assert.doesNotMatch(svc.output(), line, 'no database errors during shutdown');
    }
    assert.ok(!existsSync(svc.pidFile), 'the embedded PostgreSQL stopped (postmaster.pid removed)');
    assert.equal(await listening(pgPort), false, 'nothing listens on the embedded PostgreSQL port any more');

    // The event queued at Ctrl-C was flushed before the database stopped.
    const db = await startEmbeddedPostgres(dataDir, () => {});
    try {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      const rows = (await c.query('SELECT count(*) FROM audit_events WHERE tenant_id = $1', [tenant])).rows[0].count;
      await c.end();
      assert.equal(Number(rows), 1, 'the queued audit event was written before the database stopped');
    } finally {
      await db.stop();
    }
  } finally {
    await svc.cleanup();
  }
});

test('SIGHUP (the terminal closed) gets the same orderly stop: exit 0, database stopped', { timeout: 60_000 }, async () => {
  const svc = await startService({ SANDBOX: 'false' });
  try {
    let ready = false;
    for (let i = 0; i < 120 && !ready && svc.child.exitCode === null; i++) {
      ready = await fetch(`${svc.issuer}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(ready, `service did not start:\n${svc.output()}`);
    svc.child.kill('SIGHUP');
    const code = await svc.exit();
    assert.equal(code, 0, `exit code (output:\n${svc.output().slice(-2000)})`);
    assert.ok(!existsSync(svc.pidFile), 'the embedded PostgreSQL stopped');
  } finally {
    await svc.cleanup();
  }
});
