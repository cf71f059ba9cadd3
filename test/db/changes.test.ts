// Change notification against the real database: every committed change to tenants, users,
// clients and keys reaches a listening process, whoever wrote it (here the CLI's services:
// own pool, no listener); a login does not. When the LISTEN connection
// is killed (pg_terminate_backend, as a failover or an operator would) the server falls
// back to short-lived cached rows, reconnects, drops its caches, and changes arrive again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { poolConfig } from '../../src/db/pool.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.js';
import { createChangeListener, LISTENER_NAME, parseChange, type Change, type ChangeListener } from '../../src/db/changes.js';
import { buildDeps } from '../../src/cli/deps.js';
import type { CliDeps } from '../../src/cli/context.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startTestIdp, FAST_ARGON2, type TestIdp } from '../helpers/idp.js';
import { fakeTenantDetails } from '../helpers/broker-harness.js';

let database: TestDatabase;
let listener: ChangeListener;
let cliPool: OpenedDatabase;
let cli: CliDeps;
const events = new EventEmitter();
const seen: Change[] = [];
let resets = 0;

before(async () => {
  database = await createTestDatabase();
  listener = createChangeListener({ databaseUrl: database.url, minDelayMs: 50, maxDelayMs: 200 });
  listener.subscribe({
    change: (c) => {
      seen.push(c);
      events.emit('change', c);
    },
    reset: () => {
      resets++;
      events.emit('reset');
    },
  });
  await listener.start();
  assert.equal(listener.connected, true);
  cliPool = openDatabase(database.url);
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    KEY_ACTIVATION_DELAY: '0',
  });
  cli = buildDeps(config, cliPool.database, { hasherOptions: FAST_ARGON2 });
});
after(async () => {
  await listener?.close();
  await cliPool?.close();
  await database?.drop();
});

/** The next change matching `match`, or failure after `ms`. */
function next(match: (c: Change) => boolean, ms = 2000): Promise<Change> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      events.off('change', on);
      fail(new Error('no matching change notification'));
    }, ms);
    const on = (c: Change) => {
      if (match(c)) {
        clearTimeout(timer);
        events.off('change', on);
        ok(c);
      }
    };
    events.on('change', on);
  });
}

/** Runs SQL on a connection of its own (as another process would). */
async function exec(text: string, values: unknown[] = []) {
  const c = new pg.Client(poolConfig(database.url));
  await c.connect();
  try {
    return await c.query(text, values);
  } finally {
    await c.end();
  }
}

test("payloads other than a known table's change are ignored", () => {
  assert.equal(parseChange('not json'), null);
  assert.equal(parseChange(JSON.stringify({ table: 'audit_events', id: '1' })), null);
  assert.equal(parseChange(JSON.stringify({ table: 'tenants' })), null);
  assert.deepEqual(parseChange(JSON.stringify({ table: 'users', id: 'u', tenant_id: 't' })), { table: 'users', id: 'u', tenantId: 't' });
});

test("writes by another process (the CLI's services) are announced; a login is not", async () => {
  const tenantSeen = next((c) => c.table === 'tenants' && c.id === 'notify-t');
  await cli.tenants.add({ id: 'notify-t', name: 'Notify', ...fakeTenantDetails() });
  assert.deepEqual(await tenantSeen, { table: 'tenants', id: 'notify-t', tenantId: 'notify-t' });

  const userSeen = next((c) => c.table === 'users');
  const user = await cli.accounts.addUser({ tenantId: 'notify-t', email: 'n@example.com', groups: [], password: 'a-long-password-1' });
  assert.deepEqual(await userSeen, { table: 'users', id: user.id, tenantId: 'notify-t' });

  const clientSeen = next((c) => c.table === 'oidc_clients');
  const c = await cli.clients.add({ name: 'svc', kind: 'service', allowedTenants: ['notify-t'] });
  assert.deepEqual(await clientSeen, { table: 'oidc_clients', id: c.clientId, tenantId: null });

  const keySeen = next((c) => c.table === 'signing_keys');
  await cli.keys().ensureKeys();
  assert.ok((await keySeen).id);

  const removed = next((x) => x.table === 'users' && x.id === user.id);
  await exec('DELETE FROM users WHERE id = $1', [user.id]);
  assert.equal((await removed).tenantId, 'notify-t', "a delete is announced with the row's tenant");
  await cli.accounts.addUser({ tenantId: 'notify-t', email: 'm@example.com', groups: [], password: 'a-long-password-1' });

  // Notifications arrive in commit order: once a later change's is in, all earlier ones are.
  const settled = next((x) => x.table === 'tenants' && x.id === 'notify-t');
  await cli.tenants.update('notify-t', { name: 'before login' });
  await settled;
  const before = seen.length;
  assert.equal((await cli.accounts.authenticate({ tenantId: 'notify-t', email: 'm@example.com', password: 'a-long-password-1' })).ok, true);
  const marker = next((x) => x.table === 'tenants' && x.id === 'notify-t');
  await cli.tenants.update('notify-t', { name: 'after login' });
  await marker;
  assert.deepEqual(
    seen.slice(before).map((x) => x.table),
    ['tenants'],
    'the login (last_login_at) announced nothing',
  );
});

test('a killed LISTEN connection: short-lived cache while down, caches reset on reconnect, changes arrive again', async () => {
  // Reconnects only after 1.5 s, so the fallback (rows cached at most directoryCacheMs = 1 s) shows.
  const idp: TestIdp = await startTestIdp({ database, appDeps: { listenRetryMs: 1500 } });
  try {
    const { changes, broker } = idp.services;
    assert.equal(changes.connected, true);
    await cli.tenants.add({ id: 'kill-t', name: 'before', ...fakeTenantDetails() });
    const name = async () => (await broker.access.activeTenant('kill-t', { allowPending: true })).record.name;
    assert.equal(await name(), 'before'); // cached now

    const reconnected = once(events, 'reset');
    const { rows } = await exec(
      'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [LISTENER_NAME],
    );
    assert.equal(rows[0]?.n, 2, "both listeners (this file's and the app's) were killed");
    const downSince = Date.now();
    while (changes.connected) {
      assert.ok(Date.now() - downSince < 1000, 'the app did not notice its LISTEN connection was gone');
      await new Promise((ok) => setTimeout(ok, 10));
    }

    // While down, a change is seen by polling: cached rows live only directoryCacheMs.
    await exec("UPDATE tenants SET name = 'while down' WHERE id = 'kill-t'");
    while ((await name()) !== 'while down') {
      assert.equal(changes.connected, false, 'the change was only seen after the reconnect, not by the short-TTL fallback');
      await new Promise((ok) => setTimeout(ok, 20));
    }

    await reconnected; // this file's listener (50 ms) reset its subscribers
    const deadline = Date.now() + 5000;
    while (!changes.connected) {
      assert.ok(Date.now() < deadline, "the app's listener did not reconnect");
      await new Promise((ok) => setTimeout(ok, 20));
    }
    assert.ok(resets >= 1);

    // Connected again: a change is visible at once although rows are now kept for a minute.
    assert.equal(await name(), 'while down');
    const seenAgain = next((c) => c.id === 'kill-t');
    await exec("UPDATE tenants SET name = 'after' WHERE id = 'kill-t'");
    await seenAgain;
    const t0 = Date.now();
    while ((await name()) !== 'after') {
      assert.ok(Date.now() - t0 < 500, 'the notification did not drop the cached row');
      await new Promise((ok) => setTimeout(ok, 10));
    }
  } finally {
    await idp.stop();
  }
});
