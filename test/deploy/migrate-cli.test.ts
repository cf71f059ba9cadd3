// `tti-bridge migrate`: the separate migration step for operators (the server also
// migrates at start). Runs against a fresh, empty database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { ADMIN_URL } from '../helpers/db.js';
import { poolConfig, createDb, type Db } from '../../src/db/client.js';
import { migrationsDir } from '../../src/db/migrate.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

const name = `ttib_test_${randomBytes(6).toString('hex')}`;
const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
let db: Db;

async function admin(sql: string): Promise<void> {
  const c = new pg.Client(poolConfig(ADMIN_URL));
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

before(async () => {
  await admin(`CREATE DATABASE ${name}`);
  db = createDb(url);
});
after(async () => {
  await db.$disconnect();
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
});

async function migrate(json: boolean): Promise<{ code: number; out: string }> {
  let out = '';
  const config = loadConfig({ DATABASE_URL: url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123' });
  const ctx: CliContext = {
    io: {
      stdout: (t) => void (out += t),
      stderr: (t) => void (out += t),
      readStdin: async () => '',
      promptHidden: async () => { throw new Error('no terminal'); },
      readFile: async () => { throw new Error('no files'); },
    },
    deps: async () => buildDeps(config, db),
  };
  const code = await runCli(json ? ['migrate', '--json'] : ['migrate'], ctx);
  return { code, out };
}

test('migrate applies every pending migration once, then reports the schema up to date', async () => {
  const all = readdirSync(migrationsDir(), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  assert.ok(all.length > 0);

  const first = await migrate(true);
  assert.equal(first.code, 0, first.out);
  const data = JSON.parse(first.out) as { applied: string[]; migrations: { name: string; appliedAt: string }[] };
  assert.deepEqual(data.applied, all);
  assert.deepEqual(data.migrations.map((m) => m.name), all);

  // Tables exist: the schema is usable.
  assert.equal(await db.tenant.count(), 0);

  await new Promise((ok) => setTimeout(ok, 1100));
  const second = await migrate(false);
  assert.equal(second.code, 0, second.out);
  assert.match(second.out, new RegExp(`^database schema is up to date \\(${all.length} migration\\(s\\) applied\\)`));
  for (const m of all) assert.ok(second.out.includes(m));
});
