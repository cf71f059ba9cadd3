// The onboarding kit: every request the customer's script sends is valid against the AWS
// service models; the script itself (real bash, a model-checking `aws` stand-in) sets up a
// sandbox customer from nothing, after which the ISV's flow searches through the new data
// accessor; and `tti-bridge tenants kit` writes the kit from a tenant in the database.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { STSClient, AssumeRoleCommand, type Tag, type ProvidedContext } from '@aws-sdk/client-sts';
import { SSOOIDCClient, CreateTokenWithIAMCommand } from '@aws-sdk/client-sso-oidc';
import { QBusinessClient, SearchRelevantContentCommand } from '@aws-sdk/client-qbusiness';
import { buildKit, shellVar, TENANT_TAG_KEY, type Kit, type KitRequest } from '../../src/tenants/kit/index.js';
import { startSandbox, parseFixture, IDENTITY_CENTER_PROVIDER_ARN, type Sandbox } from '../../src/sandbox/index.js';
import { checkAll, checkInput } from '../sandbox/fidelity.js';
import { startTestIssuer, type TestIssuer } from '../sandbox/issuer.js';
import { expectError } from '../sandbox/harness.js';
import { useTestDatabase } from '../helpers/db.js';
import { loadConfig } from '../../src/config/load.js';
import { buildDeps } from '../../src/cli/deps.js';
import { runCli } from '../../src/cli/program.js';
import { fakeIo } from '../helpers/cli.js';
import { FAST_ARGON2, uniqueId } from '../helpers/accounts.js';

const run = promisify(execFile);
const CLIENT_ID = 'kit-test-data-accessor-client';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/QBusinessDataAccessorRole';
const APP_PRINCIPAL = 'arn:aws:iam::111122223333:user/tti-bridge';
const ISV_KEYS = { accessKeyId: 'AKIAKITTESTISV000001', secretAccessKey: 'kit-test-isv-secret' };
const ADMIN_ARN = 'arn:aws:iam::444455556666:user/acme-admin';
const ADMIN_KEYS = { accessKeyId: 'AKIAKITTESTADMIN0001', secretAccessKey: 'kit-test-admin-secret' };
const INSTANCE_ARN = 'arn:aws:sso:::instance/ssoins-1a2b3c4d5e6f7a8b';
const APPLICATION_ID = '3e1d2c4b-5a69-4788-9a0b-1c2d3e4f5a6b';
const RETRIEVER_ID = '7c6b5a49-3827-4615-8a0b-9c8d7e6f5a4b';
const ALICE_ID = '90676b5e-28c1-70f2-3d4e-5f6a7b8c9d0e';
const REGION = 'eu-west-1';

const kitFor = (issuer: string, tenantId = 'acme') =>
  buildKit(
    {
      tenant: { id: tenantId, name: 'Acme Corp', roleArn: ROLE_ARN },
      issuer,
      dataAccessorClientId: CLIENT_ID,
      applicationPrincipal: APP_PRINCIPAL,
    },
    { allowHttpIssuer: true },
  );

/** The request with the script's variables filled in as the shell would. */
function filled(r: KitRequest, vars: Record<string, string>): unknown {
  return JSON.parse(JSON.stringify(r.input).replace(/\$\{([A-Z_]+)\}/g, (_m, name: string) => vars[name] ?? assert.fail(`no value for ${name}`)));
}

test('every request of the kit is valid against the service models, and the validator catches a bad one', () => {
  const kit = kitFor('https://idp.isv.example');
  const vars = {
    INSTANCE_ARN,
    APPLICATION_ID,
    ASSIGN_PRINCIPAL_ID: ALICE_ID,
    ASSIGN_PRINCIPAL_TYPE: 'GROUP',
    TRUSTED_TOKEN_ISSUER_ARN: 'arn:aws:sso::444455556666:trustedTokenIssuer/ssoins-1a2b3c4d5e6f7a8b/tti-0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e',
    IDC_APPLICATION_ARN: 'arn:aws:sso::444455556666:application/ssoins-1a2b3c4d5e6f7a8b/apl-0a1b2c3d4e5f6a7b',
  };
  const models = { 'sso-admin': 'sso', qbusiness: 'qbusiness' } as const;
  for (const r of Object.values(kit.requests)) {
    assert.deepEqual(checkInput(models[r.service], r.operation, filled(r, vars)), [], r.operation);
  }
  const da = kit.requests.createDataAccessor.input;
  assert.deepEqual(da.authenticationDetail.externalIds, ['acme']);
  assert.equal(
    da.authenticationDetail.authenticationConfiguration.idcTrustedTokenIssuerConfiguration.idcTrustedTokenIssuerArn,
    shellVar('TRUSTED_TOKEN_ISSUER_ARN'),
  );
  const bad = {
    ...(filled(kit.requests.createDataAccessor, vars) as object),
    displayName: 'no spaces allowed',
    authenticationDetail: { authenticationType: 'AWS_IAM_IDC', externalIds: ['a.b', 'c'] },
  };
  const problems = checkInput('qbusiness', 'CreateDataAccessor', bad).join('\n');
  for (const expected of [
    "displayName: 'no spaces allowed' does not match",
    "authenticationType: 'AWS_IAM_IDC' not in enum",
    'externalIds: length 2 > max 1',
    "externalIds[0]: 'a.b' does not match",
  ]) {
    assert.ok(problems.includes(expected), `${expected} in ${problems}`);
  }
});

test('the ISV policies and templates say what AWS documents', () => {
  const kit = kitFor('https://idp.isv.example');
  const permission = JSON.parse(kit.files['isv-permission-policy.json'] as string);
  assert.deepEqual(permission.Statement[0].Action, ['qbusiness:SearchRelevantContent', 'sso-oauth:CreateTokenWithIAM', 'kms:Decrypt', 'sts:SetContext']);
  const trust = JSON.parse(kit.files['isv-trust-policy.json'] as string);
  assert.deepEqual(trust.Statement[0].Principal, { AWS: [APP_PRINCIPAL] });
  assert.deepEqual(trust.Statement[0].Action, ['sts:AssumeRole', 'sts:SetContext', 'sts:TagSession']);
  const role = parseYaml(kit.files['isv-role.cfn.yaml'] as string);
  assert.equal(role.Resources.DataAccessorRole.Type, 'AWS::IAM::Role');
  assert.equal(role.AWSTemplateFormatVersion, '2010-09-09');
  assert.deepEqual(role.Resources.DataAccessorRole.Properties.Policies[0].PolicyDocument, permission);
  assert.deepEqual(role.Resources.DataAccessorRole.Properties.AssumeRolePolicyDocument.Statement[0].Principal, { AWS: [{ Ref: 'ApplicationPrincipalArn' }] });
  const customer = parseYaml(kit.files['customer-data-accessor.cfn.yaml'] as string);
  const props = customer.Resources.DataAccessor.Properties;
  assert.equal(customer.Resources.DataAccessor.Type, 'AWS::QBusiness::DataAccessor');
  assert.deepEqual(props.AuthenticationDetail, {
    AuthenticationType: 'AWS_IAM_IDC_TTI',
    ExternalIds: ['acme'],
    AuthenticationConfiguration: { IdcTrustedTokenIssuerConfiguration: { IdcTrustedTokenIssuerArn: { Ref: 'TrustedTokenIssuerArn' } } },
  });
  assert.equal(props.Principal, ROLE_ARN);
  assert.deepEqual(customer.Outputs.DataAccessorApplicationArn.Value, { 'Fn::GetAtt': ['DataAccessor', 'IdcApplicationArn'] });
  assert.match(kit.files['customer-values.txt'] as string, /Audience \(OIDC client ID\): kit-test-data-accessor-client/);
  // Without the application principal the trust policy cannot be used as it is, and the kit says so.
  const noPrincipal = buildKit({ tenant: { id: 'acme', name: 'Acme', roleArn: ROLE_ARN }, issuer: 'https://idp.isv.example', dataAccessorClientId: null });
  assert.equal(noPrincipal.warnings.length, 2);
  assert.throws(
    () => buildKit({ tenant: { id: 'acme', name: 'Acme' }, issuer: 'http://idp.isv.example', dataAccessorClientId: CLIENT_ID }),
    (e: Error & { options?: { fields?: { field: string }[] } }) =>
      assert.deepEqual(
        e.options?.fields?.map((f) => f.field),
        ['roleArn', 'issuer'],
      ) ?? true,
  );
});

describeScriptRun();

function describeScriptRun() {
  let issuer: TestIssuer;
  let sandbox: Sandbox;
  let kit: Kit;
  let dir: string;
  const clients: { destroy(): void }[] = [];
  before(async () => {
    issuer = await startTestIssuer({ audience: CLIENT_ID, now: Date.now });
    kit = kitFor(issuer.url);
    // The sandbox's ISV role is the kit's: trusted principal, trust actions and permissions from its policies.
    const trust = kit.isv.trustPolicy.Statement[0] as { Principal: { AWS: string[] }; Action: string[] };
    sandbox = await startSandbox({
      captureResponses: true,
      fixture: parseFixture({
        principals: [
          { arn: APP_PRINCIPAL, ...ISV_KEYS },
          { arn: ADMIN_ARN, ...ADMIN_KEYS },
        ],
        roles: [
          {
            arn: ROLE_ARN,
            trust: trust.Principal.AWS.map((principal) => ({ principal, actions: trust.Action })),
            permissions: kit.isv.permissionPolicy.Statement[0]!['Action'] as string[],
          },
        ],
        isvs: [{ displayName: 'tti-bridge', principal: ROLE_ARN, oidcClientId: CLIENT_ID }],
        identityCenters: [
          {
            instanceArn: INSTANCE_ARN,
            identityStoreId: 'd-93670a1b2c',
            accountId: '444455556666',
            region: REGION,
            groups: ['staff'],
            users: [
              { userName: 'alice', id: ALICE_ID, emails: ['alice@acme.example'] },
              { userName: 'bob', emails: ['bob@acme.example'], groups: ['staff'] },
            ],
          },
        ],
        applications: [
          {
            applicationId: APPLICATION_ID,
            name: 'acme-knowledge',
            accountId: '444455556666',
            region: REGION,
            identityCenterInstanceArn: INSTANCE_ARN,
            retrievers: [{ retrieverId: RETRIEVER_ID }],
            documents: [{ id: 'it/vpn', title: 'VPN setup', content: 'Connect to the corporate VPN with the Acme client before opening the wiki.' }],
          },
        ],
      }),
    });
    dir = await mkdtemp(join(tmpdir(), 'kit-'));
    await mkdir(join(dir, 'bin'));
    const fakeAws = fileURLToPath(new URL('./fake-aws.ts', import.meta.url));
    await writeFile(join(dir, 'bin', 'aws'), `#!/bin/sh\nexec "${process.execPath}" --import tsx "${fakeAws}" "$@"\n`);
    await chmod(join(dir, 'bin', 'aws'), 0o755);
    await writeFile(join(dir, 'customer-setup.sh'), kit.files['customer-setup.sh'] as string);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await sandbox?.close();
    await issuer?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const track = <T extends { destroy(): void }>(c: T) => (clients.push(c), c);
  const common = () => ({ endpoint: sandbox.url, maxAttempts: 1, region: REGION });
  const script = (env: Record<string, string>) =>
    run('bash', [join(dir, 'customer-setup.sh')], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      timeout: 180_000,
      env: {
        PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
        HOME: dir,
        KIT_SANDBOX_URL: sandbox.url,
        KIT_CALL_LOG: join(dir, 'calls.jsonl'),
        AWS_ACCESS_KEY_ID: ADMIN_KEYS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: ADMIN_KEYS.secretAccessKey,
        ...env,
      },
    });

  test('the customer script sets up a sandbox customer from nothing; the ISV then searches through the new data accessor', async () => {
    const { stdout } = await script({
      INSTANCE_ARN,
      APPLICATION_ID,
      QBUSINESS_REGION: REGION,
      RETRIEVER_ID,
      ASSIGN_PRINCIPAL_TYPE: 'USER',
      ASSIGN_PRINCIPAL_ID: ALICE_ID,
    });
    const calls = (await readFile(join(dir, 'calls.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      calls.map((c) => c.operation),
      ['CreateTrustedTokenIssuer', 'CreateDataAccessor', 'PutApplicationAssignmentConfiguration', 'CreateApplicationAssignment'],
    );
    assert.ok(calls.every((c) => c.region === REGION));
    const detail = (label: string) => new RegExp(`${label}:\\s+(\\S+)`).exec(stdout)?.[1];
    assert.equal(detail('Amazon Q Business application ID'), APPLICATION_ID);
    assert.equal(detail('Amazon Q Business application region'), REGION);
    assert.equal(detail('Retriever ID'), RETRIEVER_ID);
    assert.equal(detail('IAM Identity Center region'), REGION);
    const idcApplicationArn = detail('Data accessor application ARN') as string;
    assert.match(idcApplicationArn, /^arn:aws:sso::444455556666:application\/ssoins-1a2b3c4d5e6f7a8b\/apl-[0-9a-f]{16}$/);

    // The ISV's flow with the tenant tag, as the broker runs it, through the real SDK.
    const assume = async (tags: Tag[], contexts?: ProvidedContext[]) => {
      const out = await track(new STSClient({ ...common(), credentials: ISV_KEYS })).send(
        new AssumeRoleCommand({
          RoleArn: ROLE_ARN,
          RoleSessionName: 'kit-test',
          Tags: tags,
          ...(contexts ? { ProvidedContexts: contexts } : {}),
        }),
      );
      return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
    };
    const tags = [{ Key: TENANT_TAG_KEY, Value: 'acme' }];
    const exchange = async (email: string) =>
      track(new SSOOIDCClient({ ...common(), credentials: await assume(tags) })).send(
        new CreateTokenWithIAMCommand({
          clientId: idcApplicationArn,
          grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: await issuer.mint({ email }),
        }),
      );
    const token = await exchange('alice@acme.example');
    const creds = await assume(tags, [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: token.awsAdditionalDetails!.identityContext! }]);
    const found = await track(new QBusinessClient({ ...common(), credentials: creds })).send(
      new SearchRelevantContentCommand({
        applicationId: APPLICATION_ID,
        queryText: 'corporate VPN client',
        contentSource: { retriever: { retrieverId: RETRIEVER_ID } },
      }),
    );
    assert.deepEqual(
      found.relevantContent?.map((c) => c.documentId),
      ['it/vpn'],
    );
    // The assignment took effect: bob exists in Identity Center but is not assigned.
    await expectError(exchange('bob@acme.example'), 'AccessDeniedException', 400);
    assert.deepEqual(checkAll(sandbox.responses), []);
  });

  test('a rerun with both ARNs set only opens the application to every user; a bad request stops the script', async () => {
    const da = sandbox.world.applications.get(APPLICATION_ID)!.dataAccessors.values().next().value!;
    await rm(join(dir, 'calls.jsonl'));
    await script({
      INSTANCE_ARN,
      APPLICATION_ID,
      QBUSINESS_REGION: REGION,
      TRUSTED_TOKEN_ISSUER_ARN: da.trustedTokenIssuerArn!,
      IDC_APPLICATION_ARN: da.idcApplicationArn,
    });
    const calls = (await readFile(join(dir, 'calls.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      calls.map((c) => [c.operation, c.input.AssignmentRequired]),
      [['PutApplicationAssignmentConfiguration', false]],
    );
    assert.equal(da.assignmentRequired, false);
    // set -e: a rejected call (an instance ARN that does not match the model) ends the script before the next step.
    await rm(join(dir, 'calls.jsonl'));
    await assert.rejects(
      script({ INSTANCE_ARN: 'not-an-arn', APPLICATION_ID, QBUSINESS_REGION: REGION }),
      (e: { code: number; stderr: string }) => e.code !== 0 && /Parameter validation failed/.test(e.stderr),
    );
    assert.equal((await readFile(join(dir, 'calls.jsonl'), 'utf8')).trim().split('\n').length, 1);
    await assert.rejects(script({ APPLICATION_ID }), (e: { stderr: string }) => /set INSTANCE_ARN/.test(e.stderr));
  });
}

const shared = useTestDatabase();

async function cli(args: string[]) {
  const config = loadConfig({ DATABASE_URL: shared.url, SECRET_KEY: 'test-secret-key-0123456789abcdef0123', ISSUER: 'https://idp.example.com' });
  const { io, printed } = fakeIo();
  const code = await runCli(args, { io, deps: async () => buildDeps(config, shared.database, { hasherOptions: FAST_ARGON2 }) });
  let json: any;
  try {
    json = JSON.parse(printed.out);
  } catch {
    json = undefined;
  }
  return { code, ...printed, json };
}

test('tenants kit writes the kit for a tenant in the database and prints a summary or JSON', async () => {
  const id = uniqueId('globex');
  assert.equal((await cli(['tenants', 'add', id, '--name', 'Globex'])).code, 0);
  const out = await mkdtemp(join(tmpdir(), 'kit-cli-'));
  try {
    const missingRole = await cli(['tenants', 'kit', id, '--out', out]);
    assert.equal(missingRole.code, 1);
    assert.match(missingRole.err, /roleArn: is needed/);
    const text = await cli(['tenants', 'kit', id, '--out', out, '--role-arn', ROLE_ARN]);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, new RegExp(`Tenant ID:\\s+${id}`));
    assert.match(text.out, /Issuer URL:\s+https:\/\/idp\.example\.com/);
    assert.match(text.out, /warning: No data-accessor client yet/);
    assert.equal((await cli(['clients', 'add', '--name', 'Data accessor', '--kind', 'data-accessor'])).code, 0);
    const json = await cli(['tenants', 'kit', id, '--out', out, '--role-arn', ROLE_ARN, '--application-principal', APP_PRINCIPAL, '--json']);
    assert.equal(json.code, 0, json.err);
    assert.match(json.json.values.audience, /.+/);
    assert.deepEqual(json.json.warnings, []);
    assert.equal(json.json.requests.createDataAccessor.input.authenticationDetail.externalIds[0], id);
    for (const [name, content] of Object.entries(json.json.files as Record<string, string>)) assert.equal(await readFile(join(out, name), 'utf8'), content);
    assert.ok(((await stat(join(out, 'customer-setup.sh'))).mode & 0o111) !== 0, 'the script is executable');
    const unknown = await cli(['tenants', 'kit', 'nobody', '--out', out, '--json']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.json.error.code, 'tenant_not_found');
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
