// `tti-bridge admins add`: creates the operator tenant when missing and the operator with the
// admin group (or admin:<tenant> groups), asking for the password twice; the operator's
// password then works at the login the console uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTestDatabase } from '../helpers/db.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import { fakeIo, type TerminalInput } from '../helpers/cli.js';
import { FAST_ARGON2, uniqueId } from '../helpers/accounts.js';

const shared = useTestDatabase();

async function cli(adminTenant: string, args: string[], input: TerminalInput = {}) {
  const config = loadConfig({
    DATABASE_URL: shared.url,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123',
    ISSUER: 'https://idp.example.com',
    ADMIN_TENANT: adminTenant,
  });
  const { io, printed } = fakeIo(input);
  const deps = buildDeps(config, shared.database, { hasherOptions: FAST_ARGON2 });
  const code = await runCli(args, { io, deps: async () => deps });
  return { code, ...printed, deps };
}

test('admins add: operator tenant created once, admin and tenant-limited operators, password prompted', async () => {
  const ops = uniqueId('ops');
  const first = await cli(ops, ['admins', 'add', 'Root@Ops.example'], { prompts: ['operator-pass-1', 'operator-pass-1'] });
  assert.equal(first.code, 0, first.err);
  assert.match(first.out, new RegExp(`created the operator tenant ${ops}`));
  assert.match(first.out, /added root@ops\.example .* group admin/);
  assert.match(first.out, /sign in at https:\/\/idp\.example\.com\/admin/);
  const login = await first.deps.accounts.authenticate({ tenantId: ops, email: 'root@ops.example', password: 'operator-pass-1' });
  assert.ok(login.ok);
  assert.deepEqual(login.ok && login.user.groups, ['admin']);

  const second = await cli(ops, ['admins', 'add', 'helpdesk@ops.example', '--tenants', 'acme,globex', '--password-stdin'], { stdin: 'operator-pass-2\n' });
  assert.equal(second.code, 0, second.err);
  assert.doesNotMatch(second.out, /created the operator tenant/);
  assert.deepEqual((await second.deps.accounts.getUser(ops, 'helpdesk@ops.example'))?.groups, ['admin:acme', 'admin:globex']);

  const mismatch = await cli(ops, ['admins', 'add', 'x@ops.example'], { prompts: ['operator-pass-1', 'other'] });
  assert.notEqual(mismatch.code, 0);
  assert.match(mismatch.err, /do not match/);
  const again = await cli(ops, ['admins', 'add', 'root@ops.example', '--password-stdin'], { stdin: 'operator-pass-3\n' });
  assert.notEqual(again.code, 0);
  assert.match(again.err, /already exists/);
  const bad = await cli(ops, ['admins', 'add', 'y@ops.example', '--tenants', 'no spaces!', '--password-stdin'], { stdin: 'operator-pass-3\n' });
  assert.notEqual(bad.code, 0);
  assert.match(bad.err, /--tenants/);
  // review3: admin:<ADMIN_TENANT> would have let its holder reset a global admin's password.
  const ops2 = await cli(ops, ['admins', 'add', 'z@ops.example', '--tenants', `acme,${ops}`, '--password-stdin'], { stdin: 'operator-pass-4\n' });
  assert.notEqual(ops2.code, 0);
  assert.match(ops2.err, /operator tenant/);
});
