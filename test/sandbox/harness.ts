// Test harness: the demo fixture served by an in-process sandbox, a test token issuer, an
// adjustable clock, and real AWS SDK clients pointed at the sandbox.
import assert from 'node:assert/strict';
import { STSClient, AssumeRoleCommand, type Tag, type ProvidedContext } from '@aws-sdk/client-sts';
import { SSOOIDCClient, CreateTokenWithIAMCommand, type CreateTokenWithIAMCommandOutput } from '@aws-sdk/client-sso-oidc';
import {
  QBusinessClient,
  SearchRelevantContentCommand,
  type SearchRelevantContentCommandInput,
  type SearchRelevantContentCommandOutput,
} from '@aws-sdk/client-qbusiness';
import { SSOAdminClient } from '@aws-sdk/client-sso-admin';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import {
  startSandbox,
  loadFixture,
  demoSetup,
  DEMO_FIXTURE_PATH,
  DEMO_TENANT_ID,
  IDENTITY_CENTER_PROVIDER_ARN,
  type Sandbox,
  type TenantSetup,
} from '../../src/sandbox/index.js';
import { startTestIssuer, type TestIssuer } from './issuer.js';

export const CLIENT_ID = 'tti-bridge-test-client';
export const TENANT_TAG = 'qbusiness-dataaccessor:ExternalId';

export interface Harness {
  sandbox: Sandbox;
  issuer: TestIssuer;
  setup: TenantSetup;
  clock: { now: () => number; advance(ms: number): void };
  base: AwsCredentialIdentity;
  admin: AwsCredentialIdentity;
  sts(creds?: AwsCredentialIdentity, extra?: { systemClockOffset?: number }): STSClient;
  oidc(creds: AwsCredentialIdentity, region?: string): SSOOIDCClient;
  qb(creds: AwsCredentialIdentity, region?: string): QBusinessClient;
  ssoAdmin(creds?: AwsCredentialIdentity): SSOAdminClient;
  assume(opts?: { tags?: Tag[]; contexts?: ProvidedContext[]; creds?: AwsCredentialIdentity }): Promise<AwsCredentialIdentity>;
  exchange(creds: AwsCredentialIdentity, assertion: string): Promise<CreateTokenWithIAMCommandOutput>;
  /** The whole ISV flow for a user email; returns identity-enhanced credentials. */
  userCreds(email: string): Promise<AwsCredentialIdentity>;
  search(creds: AwsCredentialIdentity, input?: Partial<SearchRelevantContentCommandInput>): Promise<SearchRelevantContentCommandOutput>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  let offset = 0;
  const clock = {
    now: () => Date.now() + offset,
    advance: (ms: number) => {
      offset += ms;
    },
  };
  const issuer = await startTestIssuer({ audience: CLIENT_ID, now: clock.now });
  const fixture = loadFixture(DEMO_FIXTURE_PATH, { ISSUER: issuer.url, DATA_ACCESSOR_CLIENT_ID: CLIENT_ID });
  const sandbox = await startSandbox({ fixture, now: clock.now, captureResponses: true });
  const setup = demoSetup(sandbox, DEMO_TENANT_ID);
  const clients: { destroy(): void }[] = [];
  const track = <T extends { destroy(): void }>(c: T): T => {
    clients.push(c);
    return c;
  };
  const base = { accessKeyId: setup.accessKeyId, secretAccessKey: setup.secretAccessKey };
  const admin = { accessKeyId: 'AKIASANDBOXADMIN0001', secretAccessKey: 'sandbox-admin-secret-not-a-real-key' };
  const common = { endpoint: sandbox.url, maxAttempts: 1 };
  const h: Harness = {
    sandbox,
    issuer,
    setup,
    clock,
    base,
    admin,
    sts: (creds = base, extra = {}) => track(new STSClient({ ...common, ...extra, region: 'us-east-1', credentials: creds })),
    oidc: (creds, region = setup.idcRegion) => track(new SSOOIDCClient({ ...common, region, credentials: creds })),
    qb: (creds, region = setup.qbusinessRegion) => track(new QBusinessClient({ ...common, region, credentials: creds })),
    ssoAdmin: (creds = admin) => track(new SSOAdminClient({ ...common, region: setup.idcRegion, credentials: creds })),
    async assume(opts = {}) {
      const tags = opts.tags ?? [{ Key: TENANT_TAG, Value: DEMO_TENANT_ID }];
      const out = await h.sts(opts.creds).send(
        new AssumeRoleCommand({
          RoleArn: setup.roleArn,
          RoleSessionName: 'tti-bridge-test',
          Tags: tags,
          ...(opts.contexts ? { ProvidedContexts: opts.contexts } : {}),
        }),
      );
      const c = out.Credentials;
      assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
      return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    },
    exchange: (creds, assertion) =>
      h.oidc(creds).send(
        new CreateTokenWithIAMCommand({
          clientId: setup.idcApplicationArn,
          grantType: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion,
        }),
      ),
    async userCreds(email) {
      const first = await h.assume();
      const token = await h.exchange(first, await issuer.mint({ email }));
      const context = token.awsAdditionalDetails?.identityContext;
      assert.ok(context);
      return h.assume({ contexts: [{ ProviderArn: IDENTITY_CENTER_PROVIDER_ARN, ContextAssertion: context }] });
    },
    search: (creds, input = {}) =>
      h.qb(creds).send(
        new SearchRelevantContentCommand({
          applicationId: setup.applicationId,
          queryText: 'satellite',
          contentSource: { retriever: { retrieverId: setup.retrieverId } },
          ...input,
        }),
      ),
    async close() {
      for (const c of clients) c.destroy();
      await sandbox.close();
      await issuer.close();
    },
  };
  return h;
}

/** Awaits a rejection and checks the SDK exception name (and class) and HTTP status. */
export async function expectError(
  p: Promise<unknown>,
  name: string,
  status: number,
  cls?: new (...a: never[]) => Error,
): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } } & Record<string, unknown>;
    assert.equal(err.name, name, `expected ${name}, got ${err.name}: ${err.message}`);
    assert.equal(err.$metadata?.httpStatusCode, status, `${name} status`);
    if (cls) assert.ok(err instanceof cls, `${name} is not an instance of ${cls.name}`);
    return err;
  }
  assert.fail(`expected ${name}, but the call succeeded`);
}
