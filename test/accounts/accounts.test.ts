import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { createAccountService } from '../../src/accounts/accounts.js';
import { createLoginThrottle } from '../../src/accounts/throttle.js';
import type { PasswordHasher } from '../../src/accounts/password.js';
import type { ChangeEvent } from '../../src/tenants/events.js';
import { fakeClock, fastHasher, uniqueId } from '../helpers/accounts.js';

const shared = useTestDatabase();

/** Wraps a hasher to record which argon2 paths ran. */
function spyHasher(inner: PasswordHasher) {
  const calls: string[] = [];
  const hasher: PasswordHasher = {
    hash: (pw) => (calls.push('hash'), inner.hash(pw)),
    verify: (h, pw) => (calls.push('verify'), inner.verify(h, pw)),
    verifyDecoy: (pw) => (calls.push('decoy'), inner.verifyDecoy(pw)),
  };
  return { hasher, calls };
}

async function setup(hasherOverride?: PasswordHasher) {
  const clock = fakeClock();
  const spy = spyHasher(hasherOverride ?? fastHasher());
  const events: ChangeEvent[] = [];
  const throttle = createLoginThrottle({
    database: shared.database,
    maxFailuresAccount: 3,
    maxFailuresIp: 1000,
    lockSeconds: 60,
    now: clock.now,
    sleep: clock.sleep,
  });
  const accounts = createAccountService({ database: shared.database, hasher: spy.hasher, throttle, now: clock.now, onChange: (e) => events.push(e) });
  const tenantId = uniqueId('acme');
  await shared.database.insertInto('tenants').values({ id: tenantId, name: 'Acme', updated_at: new Date() }).execute();
  const email = `${uniqueId('alice')}@example.com`;
  const user = await accounts.addUser({ tenantId, email, name: 'Alice', groups: ['eng', 'eng', ' ops '], password: 'correct-horse' });
  spy.calls.length = 0;
  return { clock, accounts, tenantId, email, user, calls: spy.calls, events };
}

test('the right password logs in, records the login and returns no hash', async () => {
  const { accounts, tenantId, email, clock } = await setup();
  const res = await accounts.authenticate({ tenantId, email: email.toUpperCase(), password: 'correct-horse', ip: '192.0.2.1' });
  assert.ok(res.ok);
  assert.equal(res.user.email, email);
  assert.deepEqual(res.user.lastLoginAt, clock.now());
  assert.equal('passwordHash' in res.user, false);
  assert.deepEqual(accounts.claimsFor(res.user), {
    sub: res.user.id,
    email,
    email_verified: true,
    name: 'Alice',
    tenant_id: tenantId,
    groups: ['eng', 'ops'],
  });
});

test('wrong password, unknown user, unknown tenant and no password look identical and all run argon2', async () => {
  const { accounts, tenantId, email, calls, user } = await setup();
  await accounts.addUser({ tenantId, email: 'nopass@example.com' });
  const attempts = [
    { tenantId, email, password: 'wrong-password' },
    { tenantId, email: 'nobody@example.com', password: 'correct-horse' },
    { tenantId: 'no-such-tenant', email, password: 'correct-horse' },
    { tenantId, email: 'nopass@example.com', password: 'whatever-pw' },
  ];
  const nopass = await shared.database
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('email', '=', 'nopass@example.com')
    .executeTakeFirstOrThrow();
  // What the user is told (`reason`) is the same; `cause` is for the operator's sign-in log only.
  const causes = [
    { cause: 'wrong_password', userId: user.id },
    { cause: 'unknown_user' },
    { cause: 'unknown_user' },
    { cause: 'no_password', userId: nopass.id },
  ];
  for (const [i, a] of attempts.entries()) assert.deepEqual(await accounts.authenticate(a), { ok: false, reason: 'invalid_credentials', ...causes[i] });
  assert.deepEqual(calls, ['verify', 'decoy', 'decoy', 'decoy']);
  assert.equal((await shared.database.selectFrom('users').select('last_login_at').where('id', '=', user.id).executeTakeFirstOrThrow()).last_login_at, null);
});

test('a disabled user is refused after the password check, like a wrong password', async () => {
  const { accounts, tenantId, email, calls, events, user } = await setup();
  await accounts.disableUser(tenantId, email);
  assert.deepEqual(events, [{ type: 'user_disabled', tenantId, userId: user.id }]);
  assert.deepEqual(await accounts.authenticate({ tenantId, email, password: 'correct-horse' }), {
    ok: false,
    reason: 'invalid_credentials',
    cause: 'disabled',
    userId: user.id,
  });
  assert.deepEqual(calls, ['verify']);
  assert.equal(await accounts.findById(user.id), null, 'tokens stop resolving the account');
  await accounts.enableUser(tenantId, email);
  assert.equal((await accounts.authenticate({ tenantId, email, password: 'correct-horse' })).ok, true);
  assert.equal((await accounts.findById(user.id))?.email, email);
});

test('users of a disabled tenant cannot log in', async () => {
  const { accounts, tenantId, email, user } = await setup();
  await shared.database.updateTable('tenants').set({ status: 'disabled', updated_at: new Date() }).where('id', '=', tenantId).execute();
  assert.deepEqual(await accounts.authenticate({ tenantId, email, password: 'correct-horse' }), {
    ok: false,
    reason: 'invalid_credentials',
    cause: 'disabled',
    userId: user.id,
  });
  assert.equal(await accounts.findById(user.id), null);
});

test('repeated failures lock the account, even for the right password, until the lock ends', async () => {
  const { accounts, tenantId, email, clock } = await setup();
  for (let i = 0; i < 3; i++) await accounts.authenticate({ tenantId, email, password: 'wrong-password' });
  assert.deepEqual(await accounts.authenticate({ tenantId, email, password: 'correct-horse' }), {
    ok: false,
    reason: 'locked',
    cause: 'locked',
    retryAfterSeconds: 60,
  });
  clock.advance(61);
  assert.equal((await accounts.authenticate({ tenantId, email, password: 'correct-horse' })).ok, true);
});

test('unknown accounts are locked the same way', async () => {
  const { accounts, tenantId } = await setup();
  const probe = { tenantId, email: 'ghost@example.com', password: 'guess-guess' };
  for (let i = 0; i < 3; i++) await accounts.authenticate(probe);
  assert.equal(((await accounts.authenticate(probe)) as { reason: string }).reason, 'locked');
});

test('a hash with outdated parameters is replaced at the next successful login', async () => {
  const strong = fastHasher({ memoryKib: 512 });
  const { accounts, tenantId, email, user } = await setup(strong);
  await shared.database
    .updateTable('users')
    .set({ password_hash: await fastHasher({ memoryKib: 256 }).hash('correct-horse'), updated_at: new Date() })
    .where('id', '=', user.id)
    .execute();
  assert.equal((await accounts.authenticate({ tenantId, email, password: 'correct-horse' })).ok, true);
  const stored = (await shared.database.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash!;
  assert.match(stored, /m=512/);
  assert.deepEqual(await strong.verify(stored, 'correct-horse'), { ok: true, needsRehash: false });
});

test('addUser validates input and refuses duplicates with user_exists', async () => {
  const { accounts, tenantId, email } = await setup();
  await assert.rejects(accounts.addUser({ tenantId, email: 'not-an-email', password: 'short' }), (err: any) => {
    assert.equal(err.code, 'validation_failed');
    assert.deepEqual(
      err.options.fields.map((f: any) => f.field),
      ['email', 'password'],
    );
    assert.match(err.message, /at least 8 characters/);
    return true;
  });
  await assert.rejects(accounts.addUser({ tenantId, email: email.toUpperCase() }), { code: 'user_exists', status: 409 });
  await assert.rejects(accounts.addUser({ tenantId: 'missing-tenant', email: 'x@example.com' }), { code: 'tenant_not_found' });
});

test('setPassword, getUser and listUsers', async () => {
  const { accounts, tenantId, email } = await setup();
  await accounts.addUser({ tenantId, email: 'bob@example.com' });
  assert.equal((await accounts.getUser(tenantId, 'BOB@example.com'))?.hasPassword, false);
  await accounts.setPassword(tenantId, 'bob@example.com', 'bobs-new-password');
  assert.equal((await accounts.authenticate({ tenantId, email: 'bob@example.com', password: 'bobs-new-password' })).ok, true);
  await assert.rejects(accounts.setPassword(tenantId, 'bob@example.com', 'short'), { code: 'validation_failed' });
  await assert.rejects(accounts.setPassword(tenantId, 'carol@example.com', 'long-enough'), { code: 'user_not_found' });
  assert.deepEqual(
    (await accounts.listUsers(tenantId)).map((u) => u.email),
    ['bob@example.com', email].sort(),
  );
  assert.equal(await accounts.getUser(tenantId, 'nobody@example.com'), null);
});

test('importUsers creates every row or none, naming the rows at fault', async () => {
  const { accounts, tenantId, email } = await setup();
  const bad = [
    { row: 2, email: 'ok1@example.com', password: 'long-enough-1' },
    { row: 3, email: 'broken', password: 'short' },
    { row: 4, email: 'OK1@example.com' },
    { row: 5, email },
  ];
  await assert.rejects(accounts.importUsers(tenantId, bad), (err: any) => {
    assert.equal(err.code, 'import_invalid');
    assert.deepEqual(err.options.fields, [
      { field: 'row 3.email', message: 'must be an email address like name@example.com' },
      { field: 'row 3.password', message: 'must be at least 8 characters' },
      { field: 'row 4.email', message: 'duplicates row 2' },
      { field: 'row 5.email', message: 'a user with this email already exists' },
    ]);
    return true;
  });
  assert.equal(await accounts.getUser(tenantId, 'ok1@example.com'), null, 'nothing was imported');
  const res = await accounts.importUsers(tenantId, [
    { email: 'ok1@example.com', password: 'long-enough-1', groups: ['a'] },
    { email: 'ok2@example.com', name: 'Two' },
  ]);
  assert.deepEqual(res, { created: 2 });
  assert.equal((await accounts.authenticate({ tenantId, email: 'ok1@example.com', password: 'long-enough-1' })).ok, true);
  assert.equal((await accounts.getUser(tenantId, 'ok2@example.com'))?.hasPassword, false);
  for (const notAList of ['x', null, {}, []]) {
    await assert.rejects(accounts.importUsers(tenantId, notAList as never), { code: 'import_invalid', message: 'the import contains no users' });
  }
  await assert.rejects(accounts.importUsers(tenantId, [null] as never), (err: any) => {
    assert.deepEqual(err.options.fields, [{ field: 'row 1', message: 'must be an object with an email' }]);
    return true;
  });
});
