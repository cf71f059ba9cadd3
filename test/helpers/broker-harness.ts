// The broker through the real application: startTestIdp runs createApp (provider, accounts,
// tenants, broker and its /api/v1 routes) on a random port with its own database. Tokens
// come from that provider with no back door: user tokens are ID tokens from a real sign-in
// through the login form (authorization code + PKCE), service tokens are client-credentials
// access tokens from the token endpoint. Optionally the AWS sandbox runs alongside, trusting
// the app's issuer and its data-accessor client, and the real SDK gateway talks to it.
import type { Database } from '../../src/db/database.js';
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { decodeJwt } from 'jose';
import type { AppServices } from '../../src/services.js';
import type { NewTenant } from '../../src/tenants/tenants.js';
import type { AwsGatewayOptions } from '../../src/broker/aws/gateway.js';
import { isGateway } from '../../src/broker/index.js';
import type { AssertionMinter, AwsCredentials, AwsGateway } from '../../src/broker/ports.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { parseFixture } from '../../src/sandbox/fixture/load.js';
import { uniqueId } from './accounts.js';
import { startTestIdp } from './idp.js';
import type { TestDatabase } from './db.js';
import { discover, signIn, REDIRECT_URI } from './rp.js';

export interface HarnessOptions {
  /** A ready gateway (fake), or options for the real SDK gateway. */
  aws?: AwsGateway | AwsGatewayOptions;
  /** Starts the AWS sandbox with this raw fixture (vars ISSUER, DATA_ACCESSOR_CLIENT_ID); the real gateway then uses its first principal's keys. */
  sandboxFixture?: unknown;
  /** Wraps the app's assertion minter (e.g. to replay an assertion). */
  wrapMinter?: (m: AssertionMinter) => AssertionMinter;
  /** Client id of the data-accessor client the harness registers (the assertions' audience). */
  dataAccessorClientId?: string;
  /** App settings as environment values, e.g. { ID_TOKEN_TTL: '300' }. */
  env?: Record<string, string>;
  /** The broker's settings (numbers; passed to the app as environment values, after `env`). */
  config?: Partial<Record<BrokerSetting, number>>;
  /** The app's clock (verifier, minter, broker cache); the provider itself issues tokens on real time. */
  now?: () => number;
  directoryCacheMs?: number;
  /** Run on this database (e.g. a private server the test stops) instead of a fresh one on the shared server. */
  database?: TestDatabase;
}

type BrokerSetting = 'ASSERTION_TTL' | 'CREDENTIAL_CACHE_MAX' | 'CREDENTIAL_REFRESH_MARGIN' | 'AUDIT_RETENTION_DAYS';

/** The app's own token issuing and checking, as the tests and benchmarks see it. */
export interface HarnessIssuer {
  /** The app's real token verifier. */
  verifier: AppServices['verifier'];
  /**
   * An ID token from a real sign-in of a user made with addUser. Reused while it has more
   * than a minute left on the app's clock; `fresh` signs in again. The lifetime is the app's
   * ID_TOKEN_TTL (for an expired token, get one and move the app's clock past its `exp`).
   */
  userToken(user: { id: string }, opts?: { fresh?: boolean }): Promise<string>;
  /** The ID token of a real sign-in with these credentials (a user made any other way, e.g. SCIM). */
  signIn(credentials: { tenant: string; email: string; password: string }): Promise<string>;
}

export interface HarnessUser {
  id: string;
  tenantId: string;
  email: string;
}

export interface Harness {
  /** The app's services (src/services.ts openServices). */
  services: AppServices;
  /** Base URL of the running app (its issuer). */
  url: string;
  /** The app's data layer (Kysely over its pg pool). */
  database: Database;
  issuer: HarnessIssuer;
  sandbox?: Sandbox;
  broker: AppServices['broker'];
  tenants: AppServices['tenants'];
  logs: string[];
  /** A request to the app (the broker API is under /api/v1). */
  api(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; headers: Headers; body: any }>;
  addTenant(details: Partial<NewTenant>): Promise<string>;
  /** A real account with a password (through the account service); userToken signs it in. */
  addUser(tenantId: string, email: string, opts?: { groups?: string[]; name?: string }): Promise<HarnessUser>;
  /** A real service client and a client-credentials access token for the broker audience. */
  addService(allowedTenants: string[], scopes?: string[]): Promise<{ clientId: string; token: string }>;
  close(): Promise<void>;
}

export async function startBrokerHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const logs: string[] = [];
  const now = opts.now ?? Date.now;
  const dataAccessorClientId = opts.dataAccessorClientId ?? 'isv-data-accessor';
  // The sandbox needs the issuer URL, which exists only once the app listens; the app needs
  // its AWS options at createApp time. The base credentials are a function, read at the
  // first AWS call, by which time the sandbox is running.
  let sandbox: Sandbox | undefined;
  const sandboxCredentials = async (): Promise<AwsCredentials> => {
    const base = sandbox?.fixture.principals[0];
    if (!base) throw new Error('the sandbox is not running (or its fixture has no principal)');
    return { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey };
  };
  const aws = isGateway(opts.aws) || opts.sandboxFixture === undefined ? opts.aws : { baseCredentials: sandboxCredentials, ...opts.aws };

  const settings = Object.fromEntries(Object.entries(opts.config ?? {}).map(([k, v]) => [k, String(v)]));
  const idp = await startTestIdp({
    env: { ...opts.env, ...settings },
    now: opts.now,
    logs,
    database: opts.database,
    appDeps: { aws, wrapMinter: opts.wrapMinter, directoryCacheMs: opts.directoryCacheMs },
  });
  const { services } = idp;
  try {
    await services.clients.add({ name: 'ISV data accessor', kind: 'data-accessor', clientId: dataAccessorClientId });
    if (opts.sandboxFixture !== undefined) {
      sandbox = await startSandbox({ fixture: parseFixture(opts.sandboxFixture, { ISSUER: idp.issuer, DATA_ACCESSOR_CLIENT_ID: dataAccessorClientId }) });
      services.endpoints.allowSandbox(sandbox.url); // as the demo does: the sandbox runs in this process
    }
  } catch (err) {
    await idp.stop();
    throw err;
  }

  const passwords = new Map<string, { tenant: string; email: string; password: string }>();
  const tokens = new Map<string, string>();
  let webApp: Promise<oidc.Configuration> | undefined;
  const signInConfig = () =>
    (webApp ??= services.clients
      .add({ name: 'Test web app', kind: 'web', redirectUris: [REDIRECT_URI] })
      .then((c) => discover(idp, c.clientId, c.clientSecret)));

  async function passwordSignIn(credentials: { tenant: string; email: string; password: string }): Promise<string> {
    const { tokens: t } = await signIn(idp, await signInConfig(), credentials);
    if (!t.id_token) throw new Error('the sign-in returned no ID token');
    return t.id_token;
  }

  async function userToken(user: { id: string }, o: { fresh?: boolean } = {}): Promise<string> {
    const cached = tokens.get(user.id);
    if (cached && !o.fresh && decodeJwt(cached).exp! * 1000 - now() > 60_000) return cached;
    const credentials = passwords.get(user.id);
    if (!credentials) throw new Error(`no password for user ${user.id}: create users with h.addUser`);
    const token = await passwordSignIn(credentials);
    tokens.set(user.id, token);
    return token;
  }

  return {
    services,
    url: idp.issuer,
    database: idp.database,
    sandbox,
    broker: services.broker,
    tenants: services.tenants,
    logs,
    issuer: { verifier: services.verifier, userToken, signIn: passwordSignIn },
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined || o.raw !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(idp.issuer + path, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async addTenant(details) {
      const t = await services.tenants.add({ id: uniqueId('t'), name: 'Test tenant', ...details });
      return t.id;
    },
    async addUser(tenantId, email, o = {}) {
      const password = `pw-${randomUUID()}`;
      const u = await services.accounts.addUser({ tenantId, email, groups: o.groups ?? [], name: o.name, password });
      passwords.set(u.id, { tenant: tenantId, email: u.email, password });
      return { id: u.id, tenantId: u.tenantId, email: u.email };
    },
    async addService(allowedTenants, scopes = ['search']) {
      const name = uniqueId('svc');
      const c = await services.clients.add({ name, kind: 'service', scopes, allowedTenants });
      const config = await discover(idp, c.clientId, c.clientSecret);
      const t = await oidc.clientCredentialsGrant(config, { scope: scopes.join(' '), resource: idp.config.BROKER_AUDIENCE });
      return { clientId: c.clientId, token: t.access_token };
    },
    async close() {
      try {
        await idp.stop();
      } finally {
        await sandbox?.close();
      }
    },
  };
}

export const fakeTenantDetails = () => ({
  qbusinessApplicationId: randomUUID(),
  retrieverId: randomUUID(),
  qbusinessRegion: 'us-east-1',
  idcRegion: 'us-east-1',
  idcApplicationArn: 'arn:aws:sso::111122223333:application/ssoins-1111111111111111/apl-2222222222222222',
  roleArn: 'arn:aws:iam::444455556666:role/DataAccessorRole',
});
