// The server's services as createApp opens and closes them (src/services.ts openServices,
// src/server-services.ts): a start that fails part-way leaves nothing running, and close()
// can be called again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { createApp } from '../../src/app.js';
import { openServices } from '../../src/services.js';
import { createLogger } from '../../src/shared/logger.js';
import { poolConfig } from '../../src/db/pool.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { FAST_ARGON2 } from '../helpers/accounts.js';

let database: TestDatabase;
before(async () => {
  database = await createTestDatabase();
});
after(() => database?.drop());

const configFor = (url: string) =>
  loadConfig({
    NODE_ENV: 'test',
    ISSUER: 'http://127.0.0.1:9',
    DATABASE_URL: url,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    KEY_ACTIVATION_DELAY: '0',
    KEY_REFRESH_INTERVAL: '1',
  });

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client(poolConfig(url));
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

test('a start that fails once the provider is built leaves no key-refresh timer running on the closed pool', async () => {
  const failing = await createTestDatabase();
  try {
    // The console client's registration is the start's last database write: make it fail.
    await sql(
      failing.url,
      `CREATE FUNCTION refuse_clients() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'oidc_clients refused by the test'; END $$;
       CREATE TRIGGER refuse_clients BEFORE INSERT OR UPDATE ON oidc_clients FOR EACH ROW EXECUTE FUNCTION refuse_clients();`,
    );
    const logs: string[] = [];
    const logger = createLogger('debug', { write: (line: string) => void logs.push(line) });
    await assert.rejects(createApp({ config: configFor(failing.url), logger, hasherOptions: FAST_ARGON2 }), /oidc_clients refused by the test/);
    await new Promise((ok) => setTimeout(ok, 1_500)); // past KEY_REFRESH_INTERVAL
    const refreshes = logs.filter((l) => l.includes('key refresh failed'));
    assert.deepEqual(refreshes, [], 'the failed start left the provider holder refreshing keys');
  } finally {
    await failing.drop();
  }
});

test('close() twice: the second call waits for the first and does not fail', async () => {
  const app = await createApp({ config: configFor(database.url), logger: createLogger('silent'), hasherOptions: FAST_ARGON2 });
  await app.close();
  await app.close();
  await Promise.all([app.services.close(), app.services.close()]);
  // The CLI's services (no server part) too.
  const cli = await openServices(configFor(database.url), {});
  await Promise.all([cli.close(), cli.close()]);
  await cli.close();
});
