// Static checks of docker-compose.yml (CI also runs `docker-compose config -q` when it can):
// healthy database first, secrets only as files, and only settings the app knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { settingNames } from '../../src/config/schema.js';

const path = fileURLToPath(new URL('../../docker-compose.yml', import.meta.url));
const text = readFileSync(path, 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  secrets?: (string | { source: string; target?: string })[];
  healthcheck?: { test?: string | string[] };
  ports?: (string | number | { target?: number; published?: number | string })[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file?: string; environment?: string; external?: boolean }>;
}

const doc = YAML.parseDocument(text);
const compose = doc.toJS() as Compose;
const known = new Set<string>(settingNames);

/** Environment as a map, from either the map or the `KEY=value` list form. */
function env(s: Service): Record<string, string | undefined> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(
      s.environment.map((e) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, undefined] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, v === null ? undefined : String(v)]));
}
const secretNames = (s: Service) => (s.secrets ?? []).map((x) => (typeof x === 'string' ? x : x.source));
const volumeMounts = (s: Service) =>
  (s.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source ?? '', target: v.target ?? '' };
    const [source, target] = v.split(':');
    return target === undefined ? { source: '', target: source! } : { source: source!, target };
  });
const dependsOn = (s: Service) =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {} as { condition?: string }])) : (s.depends_on ?? {});
const services = compose.services;
const appServices = Object.entries(services).filter(([, s]) => s.build !== undefined);

test('docker-compose.yml is valid YAML with the expected services', () => {
  assert.deepEqual(doc.errors, []);
  for (const name of ['postgres', 'app']) assert.ok(services[name], `no ${name} service`);
  assert.ok(appServices.length >= 2, 'app and demo are built from this repository');
});

test('postgres: health-checked with pg_isready, data on a named volume', () => {
  const pg = services.postgres!;
  assert.match(pg.image ?? '', /^postgres:\d+/);
  const check = pg.healthcheck?.test;
  assert.match(Array.isArray(check) ? check.join(' ') : (check ?? ''), /pg_isready/);
  const data = volumeMounts(pg).find((v) => v.target === '/var/lib/postgresql/data');
  assert.ok(data, 'no volume for /var/lib/postgresql/data');
  assert.ok(data.source && !/^[./~]/.test(data.source), 'the database volume must be a named volume');
  assert.ok(compose.volumes && data.source in compose.volumes, `volume ${data.source} is not declared`);
  const pgEnv = env(pg);
  assert.equal(pgEnv.POSTGRES_PASSWORD, undefined, 'the password comes from POSTGRES_PASSWORD_FILE');
  assert.ok(pgEnv.POSTGRES_PASSWORD_FILE);
});

test('app: starts after postgres is healthy, production, secrets as files', () => {
  const app = services.app!;
  assert.equal(dependsOn(app).postgres?.condition, 'service_healthy');
  const e = env(app);
  assert.equal(e.NODE_ENV, 'production');
  assert.match(e.ISSUER ?? '', /^\$\{ISSUER\b/, "ISSUER comes from the operator's environment (.env)");
  assert.ok(e.SECRET_KEY_FILE, 'SECRET_KEY is given as SECRET_KEY_FILE');
  assert.ok(e.DATABASE_URL_FILE, 'DATABASE_URL (holding the password) is given as DATABASE_URL_FILE');
  assert.ok('TRUST_PROXY' in e);
  assert.ok((app.ports ?? []).some((p) => String(typeof p === 'object' ? p.target : p).endsWith('3000')));
});

test('every NAME_FILE points at a secret the service mounts and the file declares', () => {
  for (const [name, s] of Object.entries(services)) {
    for (const [k, v] of Object.entries(env(s))) {
      if (!k.endsWith('_FILE')) continue;
      const m = /^\/run\/secrets\/([\w.-]+)$/.exec(v ?? '');
      assert.ok(m, `${name}: ${k} must point into /run/secrets/`);
      assert.ok(secretNames(s).includes(m[1]!), `${name}: ${k} uses secret ${m[1]} the service does not mount`);
      assert.ok(compose.secrets?.[m[1]!]?.file, `secret ${m[1]} is not declared with a file`);
    }
  }
});

test('no secret values in the file', () => {
  assert.doesNotMatch(text, /^\s*-?\s*SECRET_KEY\s*[:=]/m, 'SECRET_KEY must only appear as SECRET_KEY_FILE');
  for (const [name, s] of Object.entries(services)) {
    for (const [k, v] of Object.entries(env(s))) {
      if (/SECRET|PASSWORD|TOKEN/.test(k) && !k.endsWith('_FILE')) assert.fail(`${name}: ${k} has a plaintext value`);
      if (k === 'DATABASE_URL' && v) {
        assert.equal(new URL(v).password, '', `${name}: DATABASE_URL holds a password; use DATABASE_URL_FILE`);
      }
    }
  }
});

test('the app services set only settings the app knows (NAME or NAME_FILE)', () => {
  for (const [name, s] of appServices) {
    for (const k of Object.keys(env(s))) {
      const base = k.endsWith('_FILE') ? k.slice(0, -'_FILE'.length) : k;
      assert.ok(known.has(base), `${name}: ${k} is not a setting of src/config/schema.ts`);
    }
  }
});

test('sandbox profile: a demo that needs no AWS and no secrets', () => {
  const inProfile = Object.entries(services).filter(([, s]) => s.profiles?.includes('sandbox'));
  assert.ok(inProfile.length > 0, 'no service in the sandbox profile');
  const [demoName, demo] = inProfile.find(([, s]) => s.build !== undefined) ?? [];
  assert.ok(demo, 'the sandbox profile runs the app');
  const e = env(demo);
  assert.equal(e.SANDBOX, 'true');
  assert.notEqual(e.NODE_ENV, 'production');
  assert.deepEqual(secretNames(demo), [], 'the demo works without secret files');
  // The in-process sandbox fetches the issuer's JWKS from inside the container: the issuer's
  // port must be the one the app listens on, and the same port is published.
  const issuer = new URL(e.ISSUER ?? '');
  assert.equal(issuer.hostname, 'localhost');
  assert.equal(issuer.port || '80', e.PORT ?? '3000');
  assert.ok((demo.ports ?? []).map(String).includes(`${issuer.port}:${issuer.port}`), `${demoName} must publish ${issuer.port}:${issuer.port}`);
  // Everything the demo depends on is in the profile too (so it starts without the production stack).
  for (const dep of Object.keys(dependsOn(demo))) {
    assert.ok(services[dep]?.profiles?.includes('sandbox'), `${demoName} depends on ${dep}, which is not in the sandbox profile`);
    assert.equal(dependsOn(demo)[dep]?.condition, 'service_healthy');
  }
});
