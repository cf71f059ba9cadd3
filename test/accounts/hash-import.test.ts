// Importing users with the password hashes of the system they come from, and the rehash to
// argon2id at their next login. The vectors come from other implementations: OpenBSD's and
// PHP's bcrypt documentation, Python's hashlib (PBKDF2, scrypt, Django's format).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import argon2 from 'argon2';
import { jwtVerify, createRemoteJWKSet } from 'jose';
import { parseHash, verifyParsed, type ParsedHash } from '../../src/accounts/hash-formats.js';
import { parseUsersCsv, parseUsersJson } from '../../src/accounts/import.js';
import { startTestIdp, type TestIdp } from '../helpers/idp.js';
import { fastHasher } from '../helpers/accounts.js';
import { createAccountService, type AccountService } from '../../src/accounts/accounts.js';
import { createLoginThrottle } from '../../src/accounts/throttle.js';
import type { PasswordHasher } from '../../src/accounts/password.js';
import { discover, signIn, startAuthorization, logInAndConsent, REDIRECT_URI } from '../helpers/rp.js';

const PW = 'correct horse battery';
const VECTORS: Record<string, [hash: string, password: string]> = {
  'bcrypt $2a$ (OpenBSD)': ['$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW', 'U*U'],
  'bcrypt $2y$ (PHP)': ['$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a', 'rasmuslerdorf'],
  'Django pbkdf2_sha256': ['pbkdf2_sha256$600000$Qx7fGQ9kWZtNbXq2Lm3c$suxfHjIpmiShhwDdoeW40Ukq+fQj790T+BqsZqXZUto=', PW],
  'passlib $pbkdf2-sha256$': ['$pbkdf2-sha256$29000$AAECAwQFBgcICQoLDA0ODw$QKlCDPGRoLK139911fz4wmw.qxtasIBS/3PnV5Q49G0', PW],
  'PHC $pbkdf2-sha256$i=': ['$pbkdf2-sha256$i=1000,l=32$AAECAwQFBgcICQoLDA0ODw$AhaeZ02AwPxykuhhDI8XvhQN8GKvmqM+qF6qvs/98I0', PW],
  'PHC $scrypt$': ['$scrypt$ln=14,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$6W7GuoxjojaYIg83x/wEKSXUMMf+reyc6wSvA8q7ny8', PW],
};

const parsed = (hash: string): ParsedHash => {
  const p = parseHash(hash);
  assert.ok(!('error' in p), `parses: ${'error' in p ? p.error : ''}`);
  return p;
};

test('every supported format verifies its password and refuses another', async () => {
  const argon2i = await argon2.hash(PW, { type: argon2.argon2i, memoryCost: 1024, timeCost: 2 });
  const django = `argon2${await argon2.hash(PW, { type: argon2.argon2id, memoryCost: 1024, timeCost: 2 })}`;
  const vectors: Record<string, [string, string]> = {
    ...VECTORS,
    'argon2i PHC': [argon2i, PW],
    'Django argon2$': [django, PW],
    'Django bcrypt$': [`bcrypt$${VECTORS['bcrypt $2y$ (PHP)']![0]}`, 'rasmuslerdorf'],
  };
  for (const [name, [hash, password]] of Object.entries(vectors)) {
    const p = parsed(hash);
    assert.equal(await verifyParsed(p, password), true, `${name}: right password`);
    assert.equal(await verifyParsed(p, `${password}x`), false, `${name}: wrong password`);
  }
  assert.equal(parsed(django).stored.startsWith('$argon2id$'), true, "Django's prefix is dropped when stored");
});

test('unknown formats, malformed hashes and excessive costs are refused with a reason', () => {
  const refused: Record<string, RegExp> = {
    '5f4dcc3b5aa765d61d8327deb882cf99': /not in a supported format; supported are bcrypt/,
    '{SSHA}abcdef': /not in a supported format/,
    $2b$10$tooShort: /not a valid bcrypt hash/,
    '$2b$20$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW': /bcrypt cost 20; accepted are 4 to 14/,
    '$argon2id$v=19$m=4194304,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA': /beyond the accepted limits/,
    '$scrypt$ln=24,r=8,p=1$AAECAw$6W7GuoxjojaYIg83x/wEKSXUMMf+reyc6wSvA8q7ny8': /beyond the accepted limits/,
    'pbkdf2_sha256$50000000$salt$suxfHjIpmiShhwDdoeW40Ukq+fQj790T+BqsZqXZUto=': /50000000 PBKDF2 rounds/,
    pbkdf2_sha256$1000$salt$short: /not valid/,
    '$pbkdf2-sha256$i=1000,l=16$AAECAwQFBgcICQoLDA0ODw$AhaeZ02AwPxykuhhDI8XvhQN8GKvmqM+qF6qvs/98I0': /l= length/,
  };
  for (const [hash, why] of Object.entries(refused)) {
    const p = parseHash(hash);
    assert.ok('error' in p, `${hash} refused`);
    assert.match(p.error, why);
  }
});

test('CSV and JSON carry password_hash', () => {
  const [hash] = VECTORS['Django pbkdf2_sha256']!;
  assert.deepEqual(parseUsersCsv(`email,password_hash\nd@example.com,${hash}\n`), [{ row: 2, email: 'd@example.com', passwordHash: hash }]);
  assert.equal(parseUsersJson(JSON.stringify([{ email: 'd@example.com', password_hash: hash }]))[0]!.passwordHash, hash);
});

let idp: TestIdp;
let web: { clientId: string; clientSecret?: string };
before(async () => {
  idp = await startTestIdp();
  await idp.services.tenants.add({ id: 'legacy', name: 'Legacy Co' });
  web = await idp.services.clients.add({ name: 'Web RP', kind: 'web', redirectUris: [REDIRECT_URI] });
});
after(() => idp.stop());

const storedHash = async (email: string) =>
  (await idp.database.selectFrom('users').select('password_hash').where('tenant_id', '=', 'legacy').where('email', '=', email).executeTakeFirstOrThrow())
    .password_hash!;

test('a bad row gets its line, field and reason; nothing is imported, and hashes are not echoed', async () => {
  const [bcryptHash] = VECTORS['bcrypt $2y$ (PHP)']!;
  const csv = [
    'email,name,password_hash,password',
    `good@example.com,Good,${bcryptHash},`,
    'md5@example.com,Md5,5f4dcc3b5aa765d61d8327deb882cf99,',
    `both@example.com,Both,${bcryptHash},long-password-1`,
    'plain@example.com,Plain,,long-password-2',
  ].join('\n');
  await assert.rejects(idp.services.accounts.importUsers('legacy', parseUsersCsv(csv)), (err: any) => {
    assert.equal(err.code, 'import_invalid');
    assert.deepEqual(
      err.options.fields.map((f: any) => f.field),
      ['row 3.password_hash', 'row 4.password_hash'],
    );
    assert.match(err.message, /row 3\.password_hash: is not in a supported format/);
    assert.match(err.message, /row 4\.password_hash: give either password or password_hash, not both/);
    assert.ok(!err.message.includes('5f4dcc3b') && !err.message.includes(bcryptHash), 'no hash in the error');
    return true;
  });
  assert.deepEqual(await idp.services.accounts.listUsers('legacy'), [], 'nothing half-imported');
});

test('imported bcrypt and Django users log in through the real pages; their hash becomes argon2id', async () => {
  const users = [
    { email: 'php@example.com', hash: VECTORS['bcrypt $2y$ (PHP)']![0], password: 'rasmuslerdorf' },
    { email: 'django@example.com', hash: VECTORS['Django pbkdf2_sha256']![0], password: PW },
  ];
  const json = JSON.stringify(users.map((u) => ({ email: u.email, name: u.email.split('@')[0], password_hash: u.hash })));
  assert.deepEqual(await idp.services.accounts.importUsers('legacy', parseUsersJson(json)), { created: 2 });
  const config = await discover(idp, web.clientId, web.clientSecret);
  const jwks = createRemoteJWKSet(new URL(`${idp.issuer}/jwks`));

  for (const u of users) {
    assert.equal(await storedHash(u.email), u.hash, 'stored as imported until the first login');
    // A wrong password fails and leaves the imported hash alone.
    const attempt = await startAuthorization(config);
    const wrong = await logInAndConsent(idp, attempt.browser, attempt.page, { tenant: 'legacy', email: u.email, password: 'not-the-password' });
    assert.equal(wrong.res?.status, 401);
    assert.equal(await storedHash(u.email), u.hash);

    const { tokens } = await signIn(idp, config, { tenant: 'legacy', email: u.email, password: u.password });
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: idp.issuer, audience: web.clientId });
    assert.equal(payload.email, u.email);
    const rehashed = await storedHash(u.email);
    assert.match(rehashed, /^\$argon2id\$v=19\$/, 'rehashed to argon2id at the successful login');
    assert.equal(await argon2.verify(rehashed, u.password), true);
    // And the new hash serves the next login.
    await signIn(idp, config, { tenant: 'legacy', email: u.email, password: u.password });
    assert.equal(await storedHash(u.email), rehashed, 'no further rehash once current');
  }
});

test('the rehash does not overwrite a password set meanwhile', async () => {
  const [hash] = VECTORS['PHC $scrypt$']!;
  await idp.services.accounts.importUsers('legacy', [{ email: 'race@example.com', passwordHash: hash }]);
  // An administrator sets a new password while the login is computing the rehash.
  const real = fastHasher();
  let admin: AccountService | undefined;
  const hasher: PasswordHasher = {
    ...real,
    async hash(password) {
      if (password === PW) await admin!.setPassword('legacy', 'race@example.com', 'set-by-admin-meanwhile');
      return real.hash(password);
    },
  };
  const throttle = createLoginThrottle({ database: idp.database, maxFailuresAccount: 5, maxFailuresIp: 50, lockSeconds: 60 });
  const accounts = createAccountService({ database: idp.database, hasher, throttle });
  admin = createAccountService({ database: idp.database, hasher: real, throttle });
  const result = await accounts.authenticate({ tenantId: 'legacy', email: 'race@example.com', password: PW });
  assert.equal(result.ok, true);
  const after = await storedHash('race@example.com');
  assert.equal(await argon2.verify(after, 'set-by-admin-meanwhile'), true, "the administrator's password stands");
  assert.equal(await argon2.verify(after, PW), false);
});
