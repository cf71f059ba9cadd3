import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabase } from '../helpers/db.js';
import { createDb } from '../../src/db/client.js';
import { applyMigrations } from '../../src/db/migrate.js';

test('migrations apply once and the Prisma client reads and writes', async () => {
  const tdb = await createTestDatabase();
  const db = createDb(tdb.url);
  try {
    assert.deepEqual(await applyMigrations(tdb.url), [], 'second run applies nothing');
    await db.tenant.create({ data: { id: 'acme', name: 'Acme' } });
    const t = await db.tenant.findUniqueOrThrow({ where: { id: 'acme' } });
    assert.equal(t.status, 'pending');
  } finally {
    await db.$disconnect();
    await tdb.drop();
  }
});
