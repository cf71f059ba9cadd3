import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { fakeIo, type TerminalInput } from '../helpers/cli.js';
import { FAST_ARGON2, TENANT_DETAILS, uniqueId } from '../helpers/accounts.js';

const shared = useTestDatabase();

interface Run {
  code: number;
  out: string;
  err: string;
  json: any;
  depsBuilt: number;
}

/** Runs one command line in-process; `stdin`, `files` and `prompts` stand in for the terminal. */
async function cli(args: string[], input: TerminalInput = {}): Promise<Run> {
  let depsBuilt = 0;
  const config = loadConfig({ DATABASE_URL: shared.url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123', ISSUER: 'https://idp.example.com' });
  const { io, printed } = fakeIo(input);
  const ctx: CliContext = {
    io,
    deps: async () => (depsBuilt++, buildDeps(config, shared.database, { hasherOptions: FAST_ARGON2 })),
  };
  const code = await runCli(args, ctx);
  const { out, err } = printed;
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { code, out, err, json, depsBuilt };
}

test('tenants: add, update to active, show, list, disable, enable with --json', async () => {
  const id = uniqueId('acme');
  const added = await cli(['tenants', 'add', id, '--name', 'Acme', '--allow-backend-access', 'yes', '--json']);
  assert.equal(added.code, 0);
  assert.equal(added.json.status, 'pending');
  assert.equal(added.json.allowBackendAccess, true);
  const details = Object.entries(TENANT_DETAILS).flatMap(([k, v]) => [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v]);
  const updated = await cli(['tenants', 'update', id, ...details, '--json']);
  assert.equal(updated.json.status, 'active');
  assert.deepEqual((await cli(['tenants', 'show', id, '--json'])).json.missingDetails, []);
  assert.ok((await cli(['tenants', 'list', '--json'])).json.some((t: any) => t.id === id));
  assert.equal((await cli(['tenants', 'disable', id, '--json'])).json.status, 'disabled');
  assert.equal((await cli(['tenants', 'enable', id, '--json'])).json.status, 'active');
  const human = await cli(['tenants', 'list']);
  assert.match(human.out, new RegExp(`^ID\\s+NAME\\s+STATUS.*\\n(.*\\n)*${id}\\s+Acme\\s+active`, 'm'));
  // authorization-code mode: pending until the registered redirect URI is set.
  const idc = await cli(['tenants', 'update', id, '--auth-mode', 'authorization-code', '--json']);
  assert.deepEqual([idc.json.authMode, idc.json.status], ['authorization-code', 'pending']);
  const ready = await cli(['tenants', 'update', id, '--auth-code-redirect-uri', 'https://isv.example.com/idc/callback', '--json']);
  assert.equal(ready.json.status, 'active');
  assert.match((await cli(['tenants', 'show', id])).out, /authCodeRedirectUri:\s+https:\/\/isv\.example\.com\/idc\/callback/);
});

test('errors: validation fields as JSON or as lines, exit code 1, no stack', async () => {
  const json = await cli(['tenants', 'add', 'bad id', '--name', 'X', '--qbusiness-region', 'mars', '--json']);
  assert.equal(json.code, 1);
  assert.equal(json.json.error.code, 'validation_failed');
  assert.deepEqual(
    json.json.error.fields.map((f: any) => f.field),
    ['id', 'qbusinessRegion'],
  );
  const human = await cli(['tenants', 'show', 'missing-tenant']);
  assert.equal(human.code, 1);
  assert.equal(human.err, "error: tenant 'missing-tenant' does not exist\n");
  assert.doesNotMatch(human.err, /\bat \w+ \(/);
  const usage = await cli(['tenants', 'add', 'x']);
  assert.equal(usage.code, 1);
  assert.match(usage.err, /required option '--name <name>'/);
});

test('--help works on every command without touching the database', async () => {
  for (const args of [[], ['tenants'], ['users', 'import'], ['clients', 'add'], ['keys', 'rotate'], ['registration-info'], ['audit', 'list']]) {
    const r = await cli([...args, '--help']);
    assert.equal(r.code, 0, args.join(' '));
    assert.match(r.out, /^Usage: tti-bridge/);
    assert.equal(r.depsBuilt, 0);
  }
  assert.match((await cli(['users', 'add', '--help'])).out, /--password-stdin/);
});

test('users: add with --password-stdin, list, disable, enable, set-password via prompt', async () => {
  const tenant = uniqueId('users');
  await cli(['tenants', 'add', tenant, '--name', 'Users Co']);
  const added = await cli(['users', 'add', 'Bob@Example.com', '--tenant', tenant, '--groups', 'a|b', '--password-stdin', '--json'], {
    stdin: 'bobs-password\n',
  });
  assert.equal(added.code, 0, added.err);
  assert.deepEqual([added.json.email, added.json.groups, added.json.hasPassword, added.json.passwordHash], ['bob@example.com', ['a', 'b'], true, undefined]);
  const deps = buildDeps(loadConfig({ DATABASE_URL: shared.url }), shared.database, { hasherOptions: FAST_ARGON2 });
  assert.equal(
    (await deps.accounts.authenticate({ tenantId: tenant, email: 'bob@example.com', password: 'bobs-password' })).ok,
    true,
    'the trailing newline from stdin is not part of the password',
  );
  assert.equal((await cli(['users', 'disable', 'bob@example.com', '--tenant', tenant, '--json'])).json.disabled, true);
  assert.equal((await cli(['users', 'enable', 'bob@example.com', '--tenant', tenant, '--json'])).json.disabled, false);
  const mismatch = await cli(['users', 'set-password', 'bob@example.com', '--tenant', tenant], { prompts: ['new-password-1', 'other-password'] });
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.err, /do not match/);
  const set = await cli(['users', 'set-password', 'bob@example.com', '--tenant', tenant], { prompts: ['new-password-1', 'new-password-1'] });
  assert.equal(set.code, 0, set.err);
  assert.equal((await deps.accounts.authenticate({ tenantId: tenant, email: 'bob@example.com', password: 'new-password-1' })).ok, true);
  const warned = await cli(['users', 'set-password', 'bob@example.com', '--tenant', tenant, '--password', 'visible-password']);
  assert.equal(warned.code, 0, warned.err);
  assert.equal((await deps.accounts.authenticate({ tenantId: tenant, email: 'bob@example.com', password: 'visible-password' })).ok, true);
  assert.match(warned.err, /^warning: --password leaves the password in shell history/);
  assert.doesNotMatch(warned.out + warned.err, /visible-password/);
  const list = await cli(['users', 'list', '--tenant', tenant]);
  assert.match(list.out, /^EMAIL\s+NAME\s+GROUPS\s+STATUS\s+PASSWORD\s+LAST LOGIN\nbob@example\.com\s+-\s+a,b\s+active\s+yes/);
});

test('users import: CSV file, per-row errors, all or nothing', async () => {
  const tenant = uniqueId('import');
  await cli(['tenants', 'add', tenant, '--name', 'Import Co']);
  const files = {
    'bad.csv': 'email,name,password\na@example.com,"A, Person",long-password\nbroken,B,short\n',
    'good.json': JSON.stringify([
      { email: 'a@example.com', name: 'A', groups: 'x;y' },
      { email: 'b@example.com', password: 'long-password' },
    ]),
  };
  const bad = await cli(['users', 'import', 'bad.csv', '--tenant', tenant, '--json'], { files });
  assert.equal(bad.code, 1);
  assert.deepEqual(
    bad.json.error.fields.map((f: any) => f.field),
    ['row 3.email', 'row 3.password'],
  );
  assert.deepEqual((await cli(['users', 'list', '--tenant', tenant, '--json'])).json, { users: [], nextCursor: null });
  const good = await cli(['users', 'import', 'good.json', '--tenant', tenant, '--json'], { files });
  assert.deepEqual(good.json, { created: 2 });
  const missing = await cli(['users', 'import', 'nope.csv', '--tenant', tenant]);
  assert.equal(missing.err, 'error: cannot read nope.csv: no such file\n');
});

test('users import keeps existing hashes; tenants --mfa-policy; users reset-mfa', async () => {
  const tenant = uniqueId('hashes');
  const policy = await cli(['tenants', 'add', tenant, '--name', 'Hash Co', '--mfa-policy', 'required', '--json']);
  assert.equal(policy.json.mfaPolicy, 'required');
  const wrongPolicy = await cli(['tenants', 'update', tenant, '--mfa-policy', 'sometimes']);
  assert.equal(wrongPolicy.code, 1);
  assert.match(wrongPolicy.err, /mfaPolicy: must be one of off, optional, required/);
  const files = {
    // PHP's password_hash() documentation example, and an MD5 that must be refused on line 3.
    'bad.csv':
      'email,password_hash\nphp@example.com,$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a\nmd5@example.com,5f4dcc3b5aa765d61d8327deb882cf99\n',
    'good.csv': 'email,password_hash\nphp@example.com,$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a\n',
  };
  const bad = await cli(['users', 'import', 'bad.csv', '--tenant', tenant], { files });
  assert.equal(bad.code, 1);
  assert.match(bad.err, /row 3\.password_hash: is not in a supported format/);
  assert.doesNotMatch(bad.err, /5f4dcc3b/);
  assert.deepEqual((await cli(['users', 'list', '--tenant', tenant, '--json'])).json.users, []);
  assert.deepEqual((await cli(['users', 'import', 'good.csv', '--tenant', tenant, '--json'], { files })).json, { created: 1 });

  const none = await cli(['users', 'reset-mfa', 'php@example.com', '--tenant', tenant]);
  assert.equal(none.out, 'php@example.com had no authenticator set up\n');
  const user = await shared.database
    .selectFrom('users')
    .select('id')
    .where('tenant_id', '=', tenant)
    .where('email', '=', 'php@example.com')
    .executeTakeFirstOrThrow();
  await shared.database.insertInto('user_mfa').values({ user_id: user.id, totp_secret_enc: 'v1.sealed', confirmed_at: new Date() }).execute();
  const shown = await cli(['users', 'show', 'php@example.com', '--tenant', tenant]);
  assert.match(shown.out, /\nMFA: authenticator set up, 0 recovery code\(s\) left\n$/);
  const reset = await cli(['users', 'reset-mfa', 'PHP@example.com', '--tenant', tenant, '--json']);
  assert.deepEqual(reset.json, { email: 'php@example.com', tenantId: tenant, reset: true });
  const mfaRows = shared.database
    .selectFrom('user_mfa')
    .select((eb) => eb.cast<number>(eb.fn.countAll(), 'integer').as('n'))
    .where('user_id', '=', user.id);
  assert.equal((await mfaRows.executeTakeFirstOrThrow()).n, 0);
  assert.deepEqual((await cli(['users', 'show', 'php@example.com', '--tenant', tenant, '--json'])).json.mfa, { enrolled: false, recoveryCodesLeft: 0 });
  const unknown = await cli(['users', 'reset-mfa', 'nobody@example.com', '--tenant', tenant]);
  assert.equal(unknown.code, 1);
});

test('clients, registration-info and keys', async () => {
  const noClient = await cli(['registration-info', '--json']);
  assert.equal(noClient.json.oidcClientId, null);
  const accessor = await cli(['clients', 'add', '--name', 'Data accessor', '--kind', 'data-accessor', '--json']);
  assert.equal(accessor.code, 0, accessor.err);
  const again = await cli(['clients', 'add', '--name', 'Another', '--kind', 'data-accessor']);
  assert.equal(again.code, 1);
  assert.match(again.err, new RegExp(`already exists: '${accessor.json.clientId}'.*registration-info`), 'names the one to use');
  const service = await cli(['clients', 'add', '--name', 'Svc', '--kind', 'service', '--allowed-tenant', 'a', '--allowed-tenant', 'b']);
  assert.match(service.out, /Client secret: +\S{20,}/);
  const listed = await cli(['clients', 'list', '--json']);
  assert.deepEqual(listed.json.map((c: any) => c.kind).sort(), ['data-accessor', 'service']);
  assert.ok(!listed.out.includes(/Client secret: +(\S+)/.exec(service.out)![1]!), 'no secret in the list');
  assert.doesNotMatch(listed.out, /secretHash|clientSecret/);
  const info = await cli(['registration-info', '--display-name', 'Acme Search', '--logo-url', 'https://acme.example/logo.png', '--json']);
  assert.deepEqual(info.json, {
    displayName: 'Acme Search',
    logoUrl: 'https://acme.example/logo.png',
    oidcClientId: accessor.json.clientId,
    issuer: 'https://idp.example.com',
    discoveryUrl: 'https://idp.example.com/.well-known/openid-configuration',
    tenantIdHelp:
      'Each customer enters their Tenant ID (the ID column of `tti-bridge tenants list`) when adding the data accessor in their Q Business application.',
  });
  assert.match(info.json.tenantIdHelp, /tenants list/);
  // A migration keeps the client ID already registered with AWS (docs/migrating-from-cognito.md).
  const kept = await cli([
    'clients',
    'add',
    '--name',
    'Web',
    '--kind',
    'web',
    '--redirect-uri',
    'https://app.example/cb',
    '--client-id',
    '4example0cognito0app0client',
    '--json',
  ]);
  assert.equal(kept.json.clientId, '4example0cognito0app0client', kept.err);
  assert.equal(
    (await cli(['clients', 'add', '--name', 'Web', '--kind', 'web', '--redirect-uri', 'https://app.example/cb', '--client-id', '4example0cognito0app0client']))
      .code,
    1,
    'an ID in use is refused',
  );
  const removed = await cli(['clients', 'remove', accessor.json.clientId, '--json']);
  assert.equal(removed.json.removed, true);
  const rotated = await cli(['keys', 'rotate', '--json']);
  assert.equal(rotated.json.use, 'sig');
  assert.ok((await cli(['keys', 'list', '--json'])).json.some((k: any) => k.kid === rotated.json.kid));
  assert.equal((await cli(['keys', 'rotate', '--use', 'nope'])).code, 1);
});

test('audit list reads the audit trail with filters', async () => {
  const tenant = uniqueId('audit');
  await shared.database.insertInto('audit_events').values({ kind: 'search', tenant_id: tenant, outcome: 'ok', latency_ms: 12 }).execute();
  const r = await cli(['audit', 'list', '--tenant', tenant, '--json']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.json.events.length, 1);
  assert.equal(r.json.events[0].tenantId, tenant);
  assert.equal((await cli(['audit', 'list', '--since', 'not-a-date'])).code, 1);
});

test('local mode: tenants add --id, clients update and rotate-secret', async () => {
  const id = uniqueId('alias');
  assert.equal((await cli(['tenants', 'add', '--id', id, '--name', 'Alias', '--json'])).json.id, id);
  const clash = await cli(['tenants', 'add', 'one', '--id', 'two', '--name', 'X']);
  assert.equal(clash.code, 1);
  assert.match(clash.err, /two different tenant ids/);
  const svc = await cli(['clients', 'add', '--name', 'Backend', '--kind', 'service', '--allowed-tenant', 'a', '--json']);
  const updated = await cli([
    'clients',
    'update',
    svc.json.clientId,
    '--add-tenant',
    id,
    '--remove-tenant',
    'a',
    '--scope',
    'search',
    '--scope',
    'admin',
    '--json',
  ]);
  assert.equal(updated.code, 0, updated.err);
  assert.deepEqual(updated.json.allowedTenants, [id]);
  assert.deepEqual(updated.json.scopes, ['search', 'admin']);
  const bad = await cli(['clients', 'update', svc.json.clientId, '--redirect-uri', 'https://x.example/cb']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /redirectUris: a service client has no redirect URIs/);
  const rotated = await cli(['clients', 'rotate-secret', svc.json.clientId, '--overlap', '600', '--json']);
  assert.notEqual(rotated.json.clientSecret, svc.json.clientSecret);
  assert.ok(new Date(rotated.json.previousSecretExpiresAt).getTime() > Date.now() + 590_000);
  assert.equal((await cli(['clients', 'rotate-secret', svc.json.clientId, '--overlap', '-1'])).code, 1);
});
