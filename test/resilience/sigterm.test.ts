// SIGTERM of the real server process while a client holds a request open and another keeps
// its connection alive: /readyz turns 503 at once with `Connection: close`, the held
// request is cut at SHUTDOWN_TIMEOUT, the audit trail is flushed, and the process exits 0.
// And kill -9 with a held request: only the last batch delay's audit events may be lost,
// and a new process on the same database serves with the same keys at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { connect } from 'node:net';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createServices } from '../../src/services.js';
import { openDatabase } from '../../src/db/database.js';
import { loadConfig } from '../../src/config/load.js';
import { spawnApp, waitReady, type AppProcess } from './app-process.js';

const SHUTDOWN_TIMEOUT_S = 4;
/** The audit trail's batch delay (src/broker/audit.ts): what a kill -9 may lose. */
const AUDIT_BATCH_DELAY_MS = 200;

let database: TestDatabase;
let app: AppProcess | undefined;

before(async () => {
  database = await createTestDatabase();
});
after(async () => {
  app?.kill('SIGKILL');
  await database.drop();
});

/** A client-credentials access token for the broker API from the running app. */
async function serviceToken(url: string): Promise<string> {
  const opened = openDatabase(database.url);
  try {
    const { clients } = createServices(loadConfig({ DATABASE_URL: database.url }), opened.database, {});
    const c = await clients.add({ name: 'svc', kind: 'service', scopes: ['search'], allowedTenants: [] });
    const res = await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'search', resource: `${url}/api` }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    return ((await res.json()) as { access_token: string }).access_token;
  } finally {
    await opened.close();
  }
}

function get(agent: http.Agent, url: string): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((ok, fail) => {
    const req = http.get(url, { agent, timeout: 5000 }, (res) => {
      res.resume();
      res.once('end', () => ok({ status: res.statusCode!, connection: res.headers.connection }));
    });
    req.once('error', fail);
  });
}

test('SIGTERM with a held request and a kept-alive connection: readiness fails at once, the held request is cut at the deadline, audit flushed, exit 0', async () => {
  app = await spawnApp({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT_S) });
  await waitReady(app);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  assert.equal((await get(agent, `${app.url}/healthz`)).status, 200); // the connection now idles, kept alive

  // A search (refused: a tenant the service may not use) leaves an audit event.
  const token = await serviceToken(app.url);
  const tenant = `sigterm-${Date.now()}`;
  const search = await fetch(`${app.url}/api/v1/tenants/${tenant}/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ queryText: 'x', user: { token: 'x' } }),
  });
  assert.ok(search.status >= 400 && search.status < 500, `search status ${search.status}`);

  // A request whose body never finishes.
  const held = connect(Number(new URL(app.url).port), '127.0.0.1');
  held.on('error', () => {});
  const heldClosed = new Promise<void>((ok) => held.once('close', () => ok()));
  held.write('POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=');
  await new Promise((ok) => setTimeout(ok, 300));

  const signalled = Date.now();
  app.kill('SIGTERM');
  await new Promise((ok) => setTimeout(ok, 100));
  // On the kept-alive connection: an answer (no reset), 503, and the connection closes after it.
  const ready = await get(agent, `${app.url}/readyz`);
  assert.equal(ready.status, 503, 'readiness fails as soon as shutdown begins');
  assert.equal(ready.connection, 'close', 'responses during shutdown carry Connection: close');

  const code = await Promise.race([app.exited, new Promise((ok) => setTimeout(() => ok('still running'), (SHUTDOWN_TIMEOUT_S + 15) * 1000).unref())]);
  assert.equal(code, 0, `exit code (output: ${app.output().slice(-1000)})`);
  await heldClosed;
  assert.ok(Date.now() - signalled >= (SHUTDOWN_TIMEOUT_S - 1) * 1000, 'the held request had until the deadline');
  app = undefined;
  agent.destroy();

  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  const rows = (await c.query('SELECT count(*) FROM audit_events WHERE tenant_id = $1', [tenant])).rows[0].count;
  await c.end();
  assert.equal(Number(rows), 1, 'the queued audit event was written before exit');
});

test('kill -9 with a held request: audit events older than the batch delay survive, and a restarted process serves with the same keys', async () => {
  app = await spawnApp({ DATABASE_URL: database.url });
  await waitReady(app);
  const token = await serviceToken(app.url);
  const tenant = `kill9-${Date.now()}`;
  for (let i = 0; i < 5; i++) {
    await fetch(`${app.url}/api/v1/tenants/${tenant}/search`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ queryText: 'x', user: { token: 'x' } }),
    });
  }
  const jwks = async (url: string) => (await (await fetch(`${url}/jwks`)).json()) as { keys: { kid: string }[] };
  const before = await jwks(app.url);
  const held = connect(Number(new URL(app.url).port), '127.0.0.1');
  held.on('error', () => {});
  held.write('POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n');
  await new Promise((ok) => setTimeout(ok, AUDIT_BATCH_DELAY_MS * 5)); // well past the batch delay
  app.kill('SIGKILL');
  await app.exited;
  held.destroy();

  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  const rows = (await c.query('SELECT count(*) FROM audit_events WHERE tenant_id = $1', [tenant])).rows[0].count;
  await c.end();
  assert.equal(Number(rows), 5, 'events older than the batch delay are in the database');

  app = await spawnApp({ DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: '2' });
  await waitReady(app);
  assert.deepEqual(await jwks(app.url), before, 'the restarted process publishes the same keys');
  app.kill('SIGTERM');
  assert.equal(await app.exited, 0);
  app = undefined;
});
