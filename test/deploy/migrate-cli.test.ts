// `tti-bridge migrate`: the separate migration step for operators (the server also
// migrates at start). Runs against a fresh, empty database, opened as the CLI entry does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { fakeIo } from '../helpers/cli.js';
import { openDatabase, type OpenedDatabase } from '../../src/db/database.js';
import { migrationsDir } from '../../src/db/migrate.js';
import { loadConfig } from '../../src/config/load.js';
import { lazyDeps, openDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';

let database: TestDatabase;
let side: OpenedDatabase;

before(async () => {
  database = await createTestDatabase({ migrate: false });
  side = openDatabase(database.url);
});
after(async () => {
  await side.close();
  await database.drop();
});

async function migrate(json: boolean): Promise<{ code: number; out: string; err: string }> {
  const config = loadConfig({ DATABASE_URL: database.url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123' });
  const { io, printed } = fakeIo();
  // Opened as the CLI entry (src/cli/main.ts) opens them.
  const deps = lazyDeps(() => openDeps(config, io));
  try {
    const code = await runCli(json ? ['migrate', '--json'] : ['migrate'], { io, deps: deps.deps });
    return { code, out: printed.out, err: printed.err };
  } finally {
    await deps.close();
  }
}

test('migrate applies every pending migration once, then reports the schema up to date', async () => {
  const all = readdirSync(migrationsDir(), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.ok(all.length > 0);

  const first = await migrate(true);
  assert.equal(first.code, 0, first.out + first.err);
  // Local mode names its database (password masked) and issuer on stderr; stdout stays JSON.
  assert.match(first.err, /^local mode: database postgres:\/\/.*\(DATABASE_URL\)\nlocal mode: issuer http:\/\/localhost:3000 /);
  const data = JSON.parse(first.out) as { applied: string[]; migrations: { name: string; appliedAt: string }[] };
  assert.deepEqual(data.applied, all);
  assert.deepEqual(
    data.migrations.map((m) => m.name),
    all,
  );

  // Tables exist: the schema is usable.
  assert.equal((await side.database.selectFrom('tenants').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()).n, 0);

  const second = await migrate(false);
  assert.equal(second.code, 0, second.out + second.err);
  assert.match(second.out, new RegExp(`^database schema is up to date \\(${all.length} migration\\(s\\) applied\\)`));
  for (const m of all) assert.ok(second.out.includes(m));
});
