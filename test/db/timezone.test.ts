// The schema's timestamps hold UTC without a zone. A server whose TZ is not UTC must still
// read and write them as UTC, through the same pool settings every process uses; checked
// in a child process started with a far-off TZ (a process's zone is fixed at start).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { useTestDatabase } from '../helpers/db.js';

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
    env: { ...process.env, TZ: 'Pacific/Kiritimati', URL: shared.url }, encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').at(-1)!);
  assert.equal(r.offset, -14 * 60, 'the child really runs fourteen hours ahead of UTC');
  assert.equal(r.stored, '2030-01-02 03:04:05.678', 'the column holds the UTC wall time');
  assert.equal(r.read, '2030-01-02T03:04:05.678Z');
  assert.equal(r.literal, '2031-05-06T07:08:09.500Z', 'a zone-less timestamp is read as UTC');
});
