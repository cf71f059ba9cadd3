import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoDirectory } from '../../src/broker/storage/memo-directory.js';
import type { Directory, TenantRecord } from '../../src/broker/ports.js';

// A directory over a mutable map, counting reads, with an optional gate that holds reads
// open so a test can act while one is in flight.
function source() {
  const rows = new Map<string, TenantRecord>([['t1', { id: 't1', name: 'T', status: 'active', allowBackendAccess: false, auditQueryText: false }]]);
  let reads = 0;
  let gate: Promise<void> | undefined;
  const inner: Directory = {
    async tenant(id) {
      reads += 1;
      const row = rows.get(id) ? { ...rows.get(id)! } : null; // read now, as the database would
      await gate;
      return row;
    },
    user: async () => null, userByEmail: async () => null, allowedTenants: async () => null, dataAccessorClientId: async () => 'c',
  };
  return { inner, rows, reads: () => reads, hold: () => { let open!: () => void; gate = new Promise((ok) => { open = ok; }); return () => { gate = undefined; open(); }; } };
}

const settle = () => new Promise((ok) => setImmediate(ok));

test('a record is reused within ttl, re-read in the background past half of it, and never served past ttl', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, { ttlMs: 1000, now: () => now });
  assert.equal((await memo.tenant('t1'))?.status, 'active');
  now = 400;
  await memo.tenant('t1');
  assert.equal(src.reads(), 1, 'young record served from memory');

  src.rows.get('t1')!.status = 'disabled'; // changed by another process
  now = 600;
  assert.equal((await memo.tenant('t1'))?.status, 'active', 'past half its life: still answered from memory');
  await settle();
  assert.equal(src.reads(), 2, 'and re-read once in the background');
  assert.equal((await memo.tenant('t1'))?.status, 'disabled', 'the next lookup sees the re-read record');
  assert.equal(src.reads(), 2);

  // Without traffic in the second half, an expired record is read before answering.
  src.rows.get('t1')!.status = 'active';
  now = 1700;
  assert.equal((await memo.tenant('t1'))?.status, 'active');
  assert.equal(src.reads(), 3);
});

test('a background re-read that started before an invalidation does not bring the old record back', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, { ttlMs: 1000, now: () => now });
  await memo.tenant('t1');
  now = 700;
  const release = src.hold();
  await memo.tenant('t1'); // starts the background re-read, held open
  src.rows.get('t1')!.status = 'disabled';
  memo.invalidateTenant('t1'); // this process disabled it
  release();
  await settle();
  assert.equal((await memo.tenant('t1'))?.status, 'disabled');
  assert.equal(src.reads(), 3, 'the stale re-read was dropped and the record read again');
});

test('unknown records are not remembered', async () => {
  const src = source();
  const memo = memoDirectory(src.inner, { ttlMs: 1000, now: () => 0 });
  assert.equal(await memo.tenant('nope'), null);
  src.rows.set('nope', { id: 'nope', name: 'N', status: 'active', allowBackendAccess: false, auditQueryText: false });
  assert.equal((await memo.tenant('nope'))?.id, 'nope', 'a tenant added a moment ago is found');
});

test('a background re-read that finds the record gone drops it', async () => {
  const src = source();
  let now = 0;
  const memo = memoDirectory(src.inner, { ttlMs: 1000, now: () => now });
  await memo.tenant('t1');
  src.rows.delete('t1'); // deleted by another process
  now = 600;
  assert.equal((await memo.tenant('t1'))?.id, 't1', 'still answered from memory');
  await settle();
  assert.equal(await memo.tenant('t1'), null, 'the re-read found nothing and was not kept');
  assert.equal(src.reads(), 3, 'so the next lookup read again');
});

test('the data-accessor client id is kept until a client changes; the ttl is asked at every lookup', async () => {
  let accessor = 'first';
  let reads = 0;
  const inner: Directory = { ...source().inner, dataAccessorClientId: async () => { reads += 1; return accessor; } };
  let now = 0;
  let ttl = 60_000; // notifications flow: kept long
  const memo = memoDirectory(inner, { ttlMs: () => ttl, now: () => now });
  assert.equal(await memo.dataAccessorClientId(), 'first');
  accessor = 'second';
  now = 5_000;
  assert.equal(await memo.dataAccessorClientId(), 'first', 'cached');
  memo.invalidateClient('any-client'); // a change notification for oidc_clients
  assert.equal(await memo.dataAccessorClientId(), 'second', 'read again after a client changed');
  assert.equal(reads, 2);

  ttl = 1000; // notifications down: the short fallback applies to what is already cached
  accessor = 'third';
  now = 6_500;
  assert.equal(await memo.dataAccessorClientId(), 'third');
  memo.clear();
  assert.equal(reads, 3);
});
