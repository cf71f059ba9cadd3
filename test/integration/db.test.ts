import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/db.js';
import { openDatabase } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrate.js';

test('migrations apply once and the data layer reads and writes', async () => {
  const tdb = await createTestDatabase();
  const { database, close } = openDatabase(tdb.url);
  try {
    assert.deepEqual(await applyMigrations(tdb.url), [], 'second run applies nothing');
    await database.insertInto('tenants').values({ id: 'acme', name: 'Acme', updated_at: new Date() }).execute();
    const t = await database.selectFrom('tenants').selectAll().where('id', '=', 'acme').executeTakeFirstOrThrow();
    assert.equal(t.status, 'pending');
  } finally {
    await close();
    await tdb.drop();
  }
});
