// An upstream's claims are input like any other: control characters (NUL, which
// PostgreSQL refuses in text) and oversized values must give a clear refusal or be cleaned,
// never a 500 from the database, and what is stored must read back as sent (minus them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { createFederatedUsers, mapClaims } from '../../src/federation/identity.js';
import type { UpstreamRow } from '../../src/db/upstreams.js';
import { AppError } from '../../src/shared/errors.js';

const shared = useTestDatabase();

const upstream = (over: Partial<UpstreamRow> = {}) =>
  ({
    id: 'okta',
    display_name: 'Okta',
    claim_email: 'email',
    claim_email_verified: 'email_verified',
    claim_name: 'name',
    claim_groups: 'groups',
    tenant_claim: null,
    tenant_map: {},
    tenants: ['acme'],
    ...over,
  }) as unknown as UpstreamRow;

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof AppError, String(err));
    return `${err.status} ${err.code}`;
  }
  return 'accepted';
};

test('a subject or email with control characters, or a subject over 255 characters, is refused as invalid claims', () => {
  const base = { sub: 'abc', email: 'ann@acme.test', email_verified: true };
  assert.equal(
    refusal(() => mapClaims(upstream(), { ...base, sub: 'ab\u0000c' }, 'acme')),
    '401 upstream_claims_invalid',
  );
  assert.equal(
    refusal(() => mapClaims(upstream(), { ...base, sub: 'x'.repeat(256) }, 'acme')),
    '401 upstream_claims_invalid',
  );
  assert.equal(
    refusal(() => mapClaims(upstream(), { ...base, email: 'ann\u0000@acme.test' }, 'acme')),
    '401 upstream_email_missing',
  );
  assert.equal(
    refusal(() => mapClaims(upstream(), { ...base, sub: 'x'.repeat(255) }, 'acme')),
    'accepted',
  );
});

test('control characters are dropped from the name and groups, and the user is stored and read back', async () => {
  const { database } = shared;
  await database.insertInto('tenants').values({ id: 'acme', name: 'Acme', status: 'active', updated_at: new Date() }).execute();
  await database
    .insertInto('upstreams')
    .values({ id: 'okta', display_name: 'Okta', issuer: 'https://okta.example', tenants: ['acme'], claim_groups: 'groups', updated_at: new Date() })
    .execute();
  const id = mapClaims(
    upstream(),
    {
      sub: 'okta|1',
      email: 'Ann@Acme.test',
      email_verified: 'true',
      name: 'Ann\u0000 Smith\u0007',
      groups: ['eng\u0000', '\u0000', 'sales', 'eng'],
    },
    'acme',
  );
  assert.deepEqual({ name: id.name, groups: id.groups, email: id.email }, { name: 'Ann Smith', groups: ['eng', 'sales'], email: 'ann@acme.test' });
  const user = await createFederatedUsers(database).signIn(upstream(), id);
  assert.deepEqual({ name: user.name, groups: user.groups, email: user.email }, { name: 'Ann Smith', groups: ['eng', 'sales'], email: 'ann@acme.test' });
});
