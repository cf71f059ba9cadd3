// Builds the broker the way the application does (real Postgres, real Koa router) around
// a token issuer and an AWS gateway. The one place to change when the tests move to the
// real provider: replace startTestIssuer with it.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import Koa from 'koa';
import { createDb, type Db } from '../../src/db/client.js';
import { createLogger } from '../../src/shared/logger.js';
import { createTenantService, type NewTenant, type TenantService } from '../../src/tenants/tenants.js';
import { createBroker, type Broker } from '../../src/broker/index.js';
import { createBrokerRouter } from '../../src/broker/http/router.js';
import type { AwsGatewayOptions } from '../../src/broker/aws/gateway.js';
import type { AssertionMinter, AwsGateway } from '../../src/broker/ports.js';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.js';
import { parseFixture } from '../../src/sandbox/fixture/load.js';
import { createTestDatabase, type TestDatabase } from './db.js';
import { startTestIssuer, type TestIssuer } from './test-issuer.js';

export interface HarnessOptions {
  /** A gateway (fake), or options for the real SDK gateway. */
  aws?: AwsGateway | AwsGatewayOptions;
  /** Starts the AWS sandbox with this raw fixture (vars ISSUER, DATA_ACCESSOR_CLIENT_ID); the real gateway then uses its first principal's keys. */
  sandboxFixture?: unknown;
  /** Wraps the assertion minter (e.g. to replay an assertion). */
  wrapMinter?: (m: AssertionMinter) => AssertionMinter;
  dataAccessorClientId?: string;
  config?: Partial<Parameters<typeof createBroker>[0]['config']>;
  now?: () => number;
  directoryCacheMs?: number;
}

export interface Harness {
  db: Db;
  issuer: TestIssuer;
  sandbox?: Sandbox;
  broker: Broker;
  tenants: TenantService;
  url: string;
  logs: string[];
  dataAccessorClientId: string;
  api(method: string, path: string, opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  addTenant(details: Partial<NewTenant>): Promise<string>;
  addUser(tenantId: string, email: string, opts?: { groups?: string[]; name?: string }): Promise<{ id: string; tenantId: string; email: string }>;
  addService(allowedTenants: string[], scopes?: string[]): Promise<{ clientId: string; token: string }>;
  close(): Promise<void>;
}

export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

export async function startBrokerHarness(opts: HarnessOptions): Promise<Harness> {
  const tdb: TestDatabase = await createTestDatabase();
  const db = createDb(tdb.url);
  const issuer = await startTestIssuer();
  const logs: string[] = [];
  const logger = createLogger('debug', { write: (s: string) => void logs.push(s) });
  const dataAccessorClientId = opts.dataAccessorClientId ?? 'isv-data-accessor';
  const sandbox = opts.sandboxFixture === undefined ? undefined
    : await startSandbox({ fixture: parseFixture(opts.sandboxFixture, { ISSUER: issuer.issuer, DATA_ACCESSOR_CLIENT_ID: dataAccessorClientId }) });
  const base = sandbox?.fixture.principals[0];
  const aws = opts.aws && 'assumeRole' in opts.aws ? opts.aws
    : { ...(base ? { baseCredentials: { accessKeyId: base.accessKeyId, secretAccessKey: base.secretAccessKey } } : {}), ...opts.aws };
  let broker!: Broker;
  const tenants = createTenantService({ db, onChange: (e) => broker.onChange(e) });
  broker = createBroker({
    db, logger, minter: opts.wrapMinter ? opts.wrapMinter(issuer.minter) : issuer.minter, verifier: issuer.verifier, tenants,
    aws, dataAccessorClientId, now: opts.now, directoryCacheMs: opts.directoryCacheMs,
    config: { ASSERTION_TTL: 300, CREDENTIAL_CACHE_MAX: 1000, CREDENTIAL_REFRESH_MARGIN: 300, AUDIT_RETENTION_DAYS: 90, ...opts.config },
  });
  const app = new Koa();
  app.use(createBrokerRouter({ broker }).routes());
  const server: Server = await new Promise((r) => { const s = app.listen(0, '127.0.0.1', () => r(s)); });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    db, issuer, sandbox, broker, tenants, url, logs, dataAccessorClientId,
    async api(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined || o.raw !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(url + path, { method, headers, body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async addTenant(details) {
      const t = await tenants.add({ id: uniqueId('t'), name: 'Test tenant', ...details });
      return t.id;
    },
    async addUser(tenantId, email, o = {}) {
      return db.user.create({ data: { tenantId, email: email.toLowerCase(), groups: o.groups ?? [], name: o.name }, select: { id: true, tenantId: true, email: true } });
    },
    async addService(allowedTenants, scopes = ['search']) {
      const clientId = uniqueId('svc');
      await db.oidcClient.create({ data: { clientId, name: clientId, metadata: {}, allowedTenants } });
      return { clientId, token: await issuer.serviceToken(clientId, scopes) };
    },
    async close() {
      await new Promise((r) => server.close(() => r(undefined)));
      server.closeAllConnections();
      await broker.close();
      await sandbox?.close();
      await issuer.close();
      await db.$disconnect();
      await tdb.drop();
    },
  };
}

/** Tenant details pointing at the sandbox (every endpoint is the sandbox URL). */
export const sandboxEndpoints = (sandbox: Sandbox) => ({ stsEndpoint: sandbox.url, ssoOidcEndpoint: sandbox.url, qbusinessEndpoint: sandbox.url });

export const fakeTenantDetails = () => ({
  qbusinessApplicationId: randomUUID(), retrieverId: randomUUID(), qbusinessRegion: 'us-east-1', idcRegion: 'us-east-1',
  idcApplicationArn: 'arn:aws:sso::111122223333:application/ssoins-1111111111111111/apl-2222222222222222',
  roleArn: 'arn:aws:iam::444455556666:role/DataAccessorRole',
});
