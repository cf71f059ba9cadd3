// loadConfig: defaults, validation reported all at once, production guards, NAME_FILE secrets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { settingNames } from '../../src/config/schema.js';

const KEY = 'k'.repeat(40);
const PROD = {
  NODE_ENV: 'production',
  ISSUER: 'https://idp.example.com',
  SECRET_KEY: KEY,
  DATABASE_URL: 'postgres://db.internal/tti',
  METRICS_TOKEN: 'm'.repeat(32),
};

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tti-config-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function problems(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.match(err.message, /^Invalid configuration:\n/);
    for (const p of err.problems) assert.ok(err.message.includes(`  - ${p}`), 'every problem is in the message');
    return err.problems;
  }
  return [];
}

test('defaults apply to an empty environment', () => {
  const c = loadConfig({});
  assert.equal(c.NODE_ENV, 'development');
  assert.equal(c.PORT, 3000);
  assert.equal(c.HOST, '0.0.0.0');
  assert.equal(c.ISSUER, 'http://localhost:3000');
  assert.equal(c.BROKER_AUDIENCE, 'http://localhost:3000/api');
  assert.equal(c.TRUST_PROXY, false);
  assert.equal(c.DATA_DIR, './.data');
  assert.equal(c.LOG_LEVEL, 'info');
  assert.equal(c.KEY_ACTIVATION_DELAY, 3600);
  assert.equal(c.KEY_REFRESH_INTERVAL, 30);
  assert.equal(c.ARGON2_MEMORY_KIB, 19456);
  assert.equal(c.DATABASE_URL, undefined);
  assert.equal(c.SECRET_KEY, undefined);
});

test('values are coerced: numbers, booleans; the default issuer follows PORT', () => {
  const c = loadConfig({ PORT: '8080', TRUST_PROXY: 'yes', ID_TOKEN_TTL: '600' });
  assert.equal(c.PORT, 8080);
  assert.equal(c.TRUST_PROXY, true);
  assert.equal(c.ID_TOKEN_TTL, 600);
  assert.equal(c.ISSUER, 'http://localhost:8080');
  assert.equal(loadConfig({ TRUST_PROXY: '0' }).TRUST_PROXY, false);
});

test('ISSUER: trailing slashes are trimmed, and BROKER_AUDIENCE follows it', () => {
  const c = loadConfig({ ISSUER: 'https://idp.example.com//' });
  assert.equal(c.ISSUER, 'https://idp.example.com');
  assert.equal(c.BROKER_AUDIENCE, 'https://idp.example.com/api');
  assert.equal(loadConfig({ ISSUER: 'https://idp.example.com/', BROKER_AUDIENCE: 'urn:x' }).BROKER_AUDIENCE, 'urn:x');
});

test('several bad settings are all reported in one error', () => {
  const found = problems({ PORT: 'eighty', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', ARGON2_MEMORY_KIB: '1024', TRUST_PROXY: 'maybe' });
  for (const name of ['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'ARGON2_MEMORY_KIB', 'TRUST_PROXY']) {
    assert.ok(
      found.some((p) => p.startsWith(`${name}:`)),
      `${name} not reported in ${JSON.stringify(found)}`,
    );
  }
  assert.equal(found.length, 5);
});

test('ISSUER must be a base URL: no query, fragment or discovery path', () => {
  assert.deepEqual(
    problems({ ISSUER: 'not a url' }).map((p) => p.split(':')[0]),
    ['ISSUER'],
  );
  assert.ok(problems({ ISSUER: 'https://idp.example.com/?a=1' }).some((p) => /query or fragment/.test(p)));
  assert.ok(problems({ ISSUER: 'https://idp.example.com/#x' }).some((p) => /query or fragment/.test(p)));
  assert.ok(problems({ ISSUER: 'https://idp.example.com/.well-known/openid-configuration' }).some((p) => /base URL/.test(p)));
});

test('production: a valid configuration loads', () => {
  const c = loadConfig(PROD);
  assert.equal(c.NODE_ENV, 'production');
  assert.equal(c.SECRET_KEY, KEY);
});

test('production refuses a missing SECRET_KEY, an http issuer and a development key, all at once', () => {
  assert.deepEqual(problems({ ...PROD, SECRET_KEY: undefined }), ['SECRET_KEY: required in production (32+ random characters)']);
  assert.ok(problems({ ...PROD, ISSUER: 'http://idp.example.com' }).some((p) => /^ISSUER: must be https/.test(p)));
  assert.ok(problems({ ...PROD, SECRET_KEY: `dev-${KEY}` }).some((p) => /^SECRET_KEY: a development key/.test(p)));
  const both = problems({ NODE_ENV: 'production', ISSUER: 'http://idp.example.com' });
  assert.ok(both.some((p) => p.startsWith('SECRET_KEY:')) && both.some((p) => p.startsWith('ISSUER:')));
  // Local trials: http://localhost is allowed in production.
  for (const issuer of ['http://localhost:3000', 'http://127.0.0.1:3000', 'http://[::1]:3000']) {
    assert.equal(loadConfig({ ...PROD, ISSUER: issuer }).ISSUER, issuer);
  }
  // Outside production an http issuer and a development key are fine.
  assert.equal(loadConfig({ ISSUER: 'http://idp.internal', SECRET_KEY: `dev-${KEY}` }).ISSUER, 'http://idp.internal');
});

test('SECRET_KEY shorter than 32 characters is refused', () => {
  assert.ok(problems({ SECRET_KEY: 'short' }).some((p) => /^SECRET_KEY: must be at least 32 characters/.test(p)));
});

test('NAME_FILE: the value is read from the file and trimmed; NAME wins when both are set', () => {
  const key = join(dir, 'secret_key');
  writeFileSync(key, `  ${KEY}\n`);
  const url = join(dir, 'database_url');
  writeFileSync(url, 'postgres://app:pw@db:5432/app\n');
  const c = loadConfig({ ...PROD, SECRET_KEY: undefined, DATABASE_URL: undefined, SECRET_KEY_FILE: key, DATABASE_URL_FILE: url });
  assert.equal(c.SECRET_KEY, KEY);
  assert.equal(c.DATABASE_URL, 'postgres://app:pw@db:5432/app');
  assert.equal(loadConfig({ SECRET_KEY: 'x'.repeat(32), SECRET_KEY_FILE: key }).SECRET_KEY, 'x'.repeat(32));
  // An empty NAME counts as unset (compose passes empty strings through).
  assert.equal(loadConfig({ SECRET_KEY: '', SECRET_KEY_FILE: key }).SECRET_KEY, KEY);
  // Any setting, not only secrets.
  const port = join(dir, 'port');
  writeFileSync(port, '4000');
  assert.equal(loadConfig({ PORT_FILE: port }).PORT, 4000);
});

test('NAME_FILE: an unreadable file is reported with the other problems', () => {
  const found = problems({ SECRET_KEY_FILE: join(dir, 'missing'), PORT: 'x' });
  assert.ok(
    found.some((p) => p.startsWith('SECRET_KEY_FILE: cannot read')),
    JSON.stringify(found),
  );
  assert.ok(
    found.some((p) => p.startsWith('PORT:')),
    JSON.stringify(found),
  );
});

test('a file secret is validated like a value', () => {
  const short = join(dir, 'short');
  writeFileSync(short, 'tooshort');
  assert.ok(problems({ SECRET_KEY_FILE: short }).some((p) => p.startsWith('SECRET_KEY:')));
});

test('variables that are not settings are ignored', () => {
  assert.doesNotThrow(() => loadConfig({ PATH: '/usr/bin', HOME: '/root', UNRELATED: 'x' }));
  assert.ok(settingNames.includes('SECRET_KEY'));
});

test('an issuer with a path prefix is refused with an explanation', () => {
  assert.throws(() => loadConfig({ ISSUER: 'https://idp.example.com/tti' }), /ISSUER: serve tti-bridge at the root of its host/);
  assert.equal(loadConfig({ ISSUER: 'https://idp.example.com/' }).ISSUER, 'https://idp.example.com');
});

test('invalid settings and the cross-setting checks are reported together, in one round', () => {
  const found = problems({
    NODE_ENV: 'production',
    PORT: 'eighty',
    LOG_LEVEL: 'loud',
    ISSUER: 'http://idp.example.com',
    METRICS_PORT: '0',
    ENDPOINT_ALLOWLIST: 'http://vpce.example.com',
    SANDBOX: 'true',
    SANDBOX_FIXTURE: join(dir, 'missing.yaml'),
  });
  for (const expected of [
    /^PORT: /,
    /^LOG_LEVEL: /,
    /^METRICS_PORT: /,
    /^ISSUER: must be https:\/\/ in production/,
    /^SECRET_KEY: required in production/,
    /^DATABASE_URL: required in production/,
    /^ENDPOINT_ALLOWLIST: .* must be https/,
    /^SANDBOX: /,
    /^SANDBOX_FIXTURE: cannot read/,
  ])
    assert.ok(
      found.some((p) => expected.test(p)),
      `${expected} not in ${JSON.stringify(found, null, 1)}`,
    );
  // A check that reads a setting reported as invalid is skipped (METRICS_PORT is, so "METRICS_TOKEN or METRICS_PORT" is not added).
  assert.equal(found.length, 9);
});
