// The oidc_clients row mapper (src/db/oidc-clients.ts) against a real database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { clientVisible } from '../../src/broker/http/admin-identity-routes.js';
import { createClientService } from '../../src/idp/clients.js';
import { useTestDatabase } from '../helpers/db.js';

const shared = useTestDatabase();

test('a client row whose allowed_tenants is NULL (the column allows it) reads as no allowed tenant, as through Prisma', async () => {
  // E.g. an operator who "cleared" the list in SQL; the application itself always writes an array.
  await sql`INSERT INTO oidc_clients (client_id, name, metadata, allowed_tenants, created_at)
    VALUES ('null-tenants', 'Null tenants', ${JSON.stringify({ kind: 'service', scope: 'search' })}::jsonb, NULL, now())`.execute(shared.database);
  const clients = createClientService({ database: shared.database });
  assert.deepEqual((await clients.show('null-tenants'))?.allowedTenants, []);
  const listed = (await clients.list()).find((c) => c.clientId === 'null-tenants');
  assert.deepEqual(listed?.allowedTenants, []);
  // A tenant-scoped administrator's client list filters on it (it must not fail for everyone).
  assert.equal(clientVisible({ all: false, tenants: ['acme'] }, listed!), false);
});
