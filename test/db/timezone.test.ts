// The schema's timestamps hold UTC without a zone. A server whose TZ is not UTC must still
// read and write them as UTC, through the same pool settings every process uses; checked
// in a child process started with a far-off TZ (a process's zone is fixed at start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { poolConfig } from '../../src/db/pool.js';
import { openDatabase } from '../../src/db/database.js';
import { createClientService } from '../../src/idp/clients.js';
import { createEnvelope } from '../../src/idp/envelope.js';
import { createKeyService } from '../../src/idp/keys.js';
import { ADMIN_URL, createTestDatabase, useTestDatabase } from '../helpers/db.js';

const shared = useTestDatabase();

const CHILD = `
import { openDatabase } from './src/db/database.ts';
const { database, close } = openDatabase(process.env.URL);
const expires = new Date(Date.UTC(2030, 0, 2, 3, 4, 5, 678));
await database.insertInto('oidc_payloads').values({ model: 'Session', id: 'tz', payload: '{}', expires_at: expires }).execute();
const row = await database.selectFrom('oidc_payloads').select('expires_at').where('id', '=', 'tz').executeTakeFirstOrThrow();
const { rows } = await (await import('kysely')).sql\`SELECT to_char(expires_at, 'YYYY-MM-DD HH24:MI:SS.MS') AS stored, '2031-05-06 07:08:09.5'::timestamp AS literal FROM oidc_payloads WHERE id = 'tz'\`.execute(database);
console.log(JSON.stringify({ offset: new Date().getTimezoneOffset(), read: row.expires_at.toISOString(), ...rows[0], literal: rows[0].literal.toISOString() }));
await close();
`;

test('with TZ=Pacific/Kiritimati (UTC+14), Dates are stored and read back as UTC', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    env: { ...process.env, TZ: 'Pacific/Kiritimati', URL: shared.url },
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  assert.equal(r.offset, -14 * 60, 'the child really runs fourteen hours ahead of UTC');
  assert.equal(r.stored, '2030-01-02 03:04:05.678', 'the column holds the UTC wall time');
  assert.equal(r.read, '2030-01-02T03:04:05.678Z');
  assert.equal(r.literal, '2031-05-06T07:08:09.500Z', 'a zone-less timestamp is read as UTC');
});

/**
 * A database whose sessions run in `zone` (as a server installed with a local time zone does:
 * initdb copies the machine's zone into postgresql.conf). A column default such as
 * CURRENT_TIMESTAMP then stores that zone's wall time, not UTC.
 */
async function databaseInZone(zone: string) {
  const tdb = await createTestDatabase();
  const admin = new pg.Client(poolConfig(ADMIN_URL));
  await admin.connect();
  try {
    await admin.query(`ALTER DATABASE "${new URL(tdb.url).pathname.slice(1)}" SET timezone TO '${zone}'`);
  } finally {
    await admin.end();
  }
  const opened = openDatabase(tdb.url);
  return {
    database: opened.database,
    async close() {
      await opened.close();
      await tdb.drop();
    },
  };
}

/** Within a minute of now: a zone offset (hours) shows at once. */
const assertRecent = (at: Date, what: string) =>
  assert.ok(Math.abs(at.getTime() - Date.now()) < 60_000, `${what} is now in UTC, not the database session's wall time (${at.toISOString()})`);

test("with the database server in another time zone, a new client's createdAt is still UTC", async () => {
  const { database, close } = await databaseInZone('Pacific/Kiritimati');
  try {
    const clients = createClientService({ database });
    const { clientId } = await clients.add({ name: 'rp', kind: 'service', scopes: ['search'] });
    await clients.ensureFirstParty({ clientId: 'console', name: 'Console', redirectUris: ['https://id.example/cb'], postLogoutRedirectUris: [] });
    assertRecent((await clients.show(clientId))!.createdAt, "an added client's createdAt");
    assertRecent((await clients.show('console'))!.createdAt, "a first-party client's createdAt");
  } finally {
    await close();
  }
});

test("with the database server in another time zone, a new signing or cookie key's createdAt is still UTC", async () => {
  const { database, close } = await databaseInZone('Pacific/Kiritimati');
  try {
    const keys = createKeyService({
      database,
      envelope: createEnvelope(randomBytes(32).toString('base64url')),
      now: Date.now,
      activationDelaySeconds: 0,
      maxTokenTtlSeconds: 3600,
    });
    await keys.ensureKeys();
    await keys.rotate('sig');
    const listed = await keys.list();
    assert.equal(listed.length, 3, 'first signing key, first cookie key, rotated signing key');
    for (const k of listed) assertRecent(k.createdAt, `key ${k.use} ${k.state}: createdAt`);
  } finally {
    await close();
  }
});

test('with the database server in another time zone, column defaults (CURRENT_TIMESTAMP) store UTC on every connection of the pool', async () => {
  const { database, close } = await databaseInZone('Pacific/Kiritimati');
  try {
    // Several connections at once: each one must be set up, not only the first.
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        database
          .insertInto('tenants')
          .values({ id: `tz-${i}`, name: 'TZ', updated_at: new Date() })
          .execute(),
      ),
    );
    const rows = await database.selectFrom('tenants').select(['id', 'created_at']).execute();
    assert.equal(rows.length, 5);
    for (const r of rows) assertRecent(r.created_at, `${r.id}'s defaulted created_at`);
  } finally {
    await close();
  }
});
