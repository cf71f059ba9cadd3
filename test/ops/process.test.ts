// The server process as an operator starts it (src/main.ts): log lines appear as they
// happen, and start-up failures an operator can fix (a port in use, bad settings) are one
// clear message and exit code 1, never a stack trace.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { freePort, spawnApp, waitReady } from '../resilience/app-process.js';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database?.drop());

const occupy = (port: number) =>
  new Promise<Server>((ok, fail) => {
    const srv = createServer()
      .once('error', fail)
      .listen(port, '127.0.0.1', () => ok(srv));
  });

/** One line on stderr, no stack frames. */
function assertOneLine(output: string, pattern: RegExp) {
  assert.match(output, pattern);
  assert.doesNotMatch(output, /^\s+at /m, `a stack trace was printed:\n${output}`);
  assert.doesNotMatch(output, /EADDRINUSE|Error:/, `raw error text:\n${output}`);
}

test('a log line reaches stdout within 500 ms of the request', { timeout: 90_000 }, async () => {
  const app = await spawnApp({ DATABASE_URL: database.url, LOG_LEVEL: 'info' });
  try {
    await waitReady(app);
    const seen = new Promise<number>((ok) => {
      const onData = () => {
        if (app.output().includes('"reqId":"latency-probe-0001"')) {
          app.proc.stdout!.off('data', onData);
          ok(performance.now());
        }
      };
      app.proc.stdout!.on('data', onData);
    });
    const sent = performance.now();
    const res = await fetch(`${app.url}/healthz`, { headers: { 'x-request-id': 'latency-probe-0001' } });
    assert.equal(res.status, 200);
    const at = await Promise.race([seen, new Promise<number>((ok) => setTimeout(() => ok(Infinity), 3000).unref())]);
    assert.ok(at - sent < 500, `the request's log line took ${Math.round(at - sent)} ms to appear`);
  } finally {
    app.kill();
    await app.exited;
  }
});

test('PORT in use: one clear line, exit 1', { timeout: 90_000 }, async () => {
  const port = await freePort();
  const other = await occupy(port);
  try {
    const app = await spawnApp({ DATABASE_URL: database.url, PORT: String(port) });
    assert.equal(await app.exited, 1);
    assertOneLine(app.output(), new RegExp(`port ${port} is already in use \\(PORT=${port}\\): stop the other process or set PORT`));
  } finally {
    other.close();
  }
});

test('METRICS_PORT in use: one clear line, exit 1', { timeout: 90_000 }, async () => {
  const metricsPort = await freePort();
  const other = await occupy(metricsPort);
  try {
    const app = await spawnApp({ DATABASE_URL: database.url, METRICS_PORT: String(metricsPort) });
    assert.equal(await app.exited, 1);
    assertOneLine(
      app.output(),
      new RegExp(`port ${metricsPort} is already in use \\(METRICS_PORT=${metricsPort}\\): stop the other process or set METRICS_PORT`),
    );
  } finally {
    other.close();
  }
});

test('every configuration problem at once, the cross-setting checks included: exit 1, no stack', { timeout: 30_000 }, async () => {
  const app = await spawnApp({
    NODE_ENV: 'production',
    PORT: '70000',
    LOG_LEVEL: 'loud',
    ISSUER: 'http://idp.example.com/tti',
    SECRET_KEY: '',
    DATABASE_URL: '',
    TRUST_PROXY: 'maybe',
    ENDPOINT_ALLOWLIST: 'http://vpce.example.com',
  });
  assert.equal(await app.exited, 1);
  const out = app.output();
  assert.match(out, /^Invalid configuration:\n/);
  for (const expected of [
    /PORT: /,
    /LOG_LEVEL: /,
    /TRUST_PROXY: /,
    /ISSUER: serve tti-bridge at the root of its host/,
    /ISSUER: must be https:\/\/ in production/,
    /SECRET_KEY: required in production/,
    /DATABASE_URL: required in production/,
    /METRICS_TOKEN or METRICS_PORT: required in production/,
    /ENDPOINT_ALLOWLIST: 'http:\/\/vpce.example.com' must be https:\/\//,
  ])
    assert.match(out, expected);
  assert.doesNotMatch(out, /^\s+at /m);
});

test('a plug-in that fails to start: its line alone, the services closed before the embedded database stops', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ttib-plugin-'));
  chmodSync(dir, 0o755); // as root, the embedded PostgreSQL runs as 'postgres'
  const fixture = join(dir, 'fixture.json');
  writeFileSync(fixture, '{}'); // readable, so the configuration accepts it; the sandbox refuses it
  try {
    const app = await spawnApp({ DATA_DIR: join(dir, 'data'), SANDBOX: 'true', SANDBOX_FIXTURE: fixture });
    assert.equal(await app.exited, 1);
    const out = app.output();
    assert.match(out, /tti-bridge failed to start: .*fixture\.json is invalid/);
    // The pool and the change listener were still open when the database stopped.
    assert.doesNotMatch(out, /closed by the server|connection lost/, `the database stopped under open connections:\n${out}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
