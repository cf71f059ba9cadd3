import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { createLoginThrottle, accountKey, type ThrottleOptions } from '../../src/accounts/throttle.js';
import { fakeClock, uniqueId } from '../helpers/accounts.js';

const shared = useTestDatabase();

/** The account's counter row as stored, or undefined. */
const accountRow = (a: { tenantId: string; email: string }) =>
  shared.database.selectFrom('login_throttle').selectAll().where('key', '=', accountKey(a.tenantId, a.email)).executeTakeFirst();

function setup(overrides: Partial<ThrottleOptions> = {}) {
  const clock = fakeClock();
  const throttle = createLoginThrottle({
    database: shared.database,
    maxFailuresAccount: 5,
    maxFailuresIp: 50,
    lockSeconds: 900,
    now: clock.now,
    sleep: clock.sleep,
    ...overrides,
  });
  const attempt = { tenantId: uniqueId('t'), email: `${uniqueId('u')}@example.com`, ip: uniqueId('10.0.0') };
  return { clock, throttle, attempt };
}

async function fail(throttle: ReturnType<typeof setup>['throttle'], attempt: ReturnType<typeof setup>['attempt'], n: number) {
  for (let i = 0; i < n; i++) await throttle.recordFailure(attempt);
}

test('the first two failures cost nothing, then the delay doubles', async () => {
  const { throttle, attempt } = setup({ maxFailuresAccount: 10 });
  const delays: number[] = [];
  for (let i = 0; i < 7; i++) {
    const s = await throttle.check(attempt);
    assert.equal(s.locked, false);
    delays.push(s.locked ? -1 : s.delayMs);
    await throttle.recordFailure(attempt);
  }
  assert.deepEqual(delays, [0, 0, 0, 250, 500, 1000, 2000]);
  await fail(throttle, attempt, 2);
  assert.deepEqual(await throttle.check(attempt), { locked: false, delayMs: 2000 }, 'capped');
});

test('guard() sleeps for the delay through the injected sleep', async () => {
  const { clock, throttle, attempt } = setup();
  await fail(throttle, attempt, 4);
  await throttle.guard(attempt);
  assert.deepEqual(clock.sleeps, [500]);
});

test('the account locks after N failures until the lock time has passed', async () => {
  const { clock, throttle, attempt } = setup();
  await fail(throttle, attempt, 5);
  assert.deepEqual(await throttle.check(attempt), { locked: true, retryAfterSeconds: 900 });
  clock.advance(600);
  assert.deepEqual(await throttle.check(attempt), { locked: true, retryAfterSeconds: 300 });
  clock.advance(301);
  assert.deepEqual(await throttle.check(attempt), { locked: false, delayMs: 0 });
  await throttle.recordFailure(attempt);
  assert.equal((await accountRow(attempt))?.failures, 1, 'counting restarts after a lock expires');
});

test('email case does not give a fresh counter', async () => {
  const { throttle, attempt } = setup();
  await fail(throttle, attempt, 3);
  await fail(throttle, { ...attempt, email: attempt.email.toUpperCase() }, 2);
  assert.equal((await throttle.check(attempt)).locked, true);
});

test('success resets the account counter', async () => {
  const { throttle, attempt } = setup();
  await fail(throttle, attempt, 4);
  await throttle.recordSuccess(attempt);
  assert.deepEqual(await throttle.check(attempt), { locked: false, delayMs: 0 });
  await fail(throttle, attempt, 4);
  assert.equal((await throttle.check(attempt)).locked, false, 'four new failures are below the limit again');
});

test('guard() tells whether the account has a counter; a success given its answer deletes only an existing one', async () => {
  const { throttle, attempt } = setup();
  const counter = () => accountRow(attempt);
  await throttle.recordFailure({ ...attempt, email: `other-${attempt.email}` });
  const clean = await throttle.guard(attempt);
  assert.equal(clean.accountCounter, false, 'an IP counter is not an account counter');
  await fail(throttle, attempt, 1);
  await throttle.recordSuccess(attempt, clean);
  assert.equal((await counter())?.failures, 1, 'nothing to clear when guard() saw no counter: no write');
  const seen = await throttle.guard(attempt);
  assert.equal(seen.accountCounter, true);
  await throttle.recordSuccess(attempt, seen);
  assert.equal(await counter(), undefined);
});

test('failures older than the lock window are forgotten', async () => {
  const { clock, throttle, attempt } = setup();
  await fail(throttle, attempt, 4);
  clock.advance(901);
  assert.deepEqual(await throttle.check(attempt), { locked: false, delayMs: 0 });
  await fail(throttle, attempt, 4);
  assert.equal((await throttle.check(attempt)).locked, false);
});

test('an IP is locked after its own limit, across many accounts', async () => {
  const { throttle, attempt } = setup({ maxFailuresIp: 6 });
  for (let i = 0; i < 6; i++) await throttle.recordFailure({ ...attempt, email: `probe${i}@example.com` });
  const other = { ...attempt, email: 'someone-else@example.com' };
  assert.deepEqual(await throttle.check(other), { locked: true, retryAfterSeconds: 900 });
  assert.equal((await throttle.check({ ...other, ip: '192.0.2.99' })).locked, false, 'other IPs are unaffected');
  await throttle.recordSuccess(other);
  assert.equal((await throttle.check(other)).locked, true, 'a success does not clear the IP lock');
});

test('concurrent failures are all counted', async () => {
  const { throttle, attempt } = setup({ maxFailuresAccount: 20 });
  await Promise.all(Array.from({ length: 8 }, () => throttle.recordFailure(attempt)));
  const row = await accountRow(attempt);
  assert.equal(row?.failures, 8);
});
