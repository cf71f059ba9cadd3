// Composition root: builds every dependency from a validated config and wires the IdP,
// the broker and the HTTP routes. Tests call createApp with their own database and clock.
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import type Provider from 'oidc-provider';
import type { Config } from './config/load.js';
import { dbTimeouts, type Db } from './db/client.js';
import { currentRequest, type Logger } from './shared/logger.js';
import { createAdapterFactory } from './idp/adapter.js';
import { createOidcStore } from './db/oidc-store.js';
import { createSql } from './db/sql.js';
import { createChangeListener } from './db/changes.js';
import { buildProvider } from './idp/provider.js';
import { guardAdapter, unavailableAsOidc } from './idp/unavailable.js';
import { DB_RETRY_AFTER_SECONDS } from './db/unavailable.js';
import { trackClientGone } from './http/client-gone.js';
import { createDrain } from './http/shutdown.js';
import { createProviderHolder } from './idp/provider-holder.js';
import { createInteractionRouter } from './idp/interactions.js';
import { createSignInLog } from './idp/signin-log.js';
import { createAssertionMinter } from './idp/assertion.js';
import { createTokenVerifier } from './idp/token-verifier.js';
import { createRevocationList } from './idp/revocation.js';
import type { PasswordHasherOptions } from './accounts/password.js';
import { startThrottleSweeper } from './accounts/throttle.js';
import { createServices } from './services.js';
import type { ChangeEvent } from './tenants/events.js';
import { createViews } from './http/views.js';
import { accessLog, pageErrors, requestId, securityHeaders, unavailableErrors } from './http/middleware.js';
import { canonicalHost } from './http/canonical-host.js';
import { createMetrics } from './http/metrics.js';
import { createMetricsApp, createOpsRouter } from './http/ops.js';
import { createBroker } from './broker/index.js';
import { createBrokerRouter } from './broker/http/router.js';
import { createIdcCallbackRouter } from './broker/http/idc-callback.js';
import { createOnboardingLinks } from './tenants/onboarding-link.js';
import { createSelfServiceRouter } from './tenants/self-service.js';
import { CONSOLE_CLIENT_ID, createConsoleAuth } from './console/auth.js';
import { createConsoleRouter } from './console/router.js';
import { createScimRouter, scimFallback } from './scim/router.js';
import { createScimUsers } from './scim/users.js';
import { createScimGroups } from './scim/groups.js';
import type { AwsGatewayOptions } from './broker/aws/gateway.js';
import type { AssertionMinter, AwsGateway } from './broker/ports.js';
import { createDatabase } from './db/database.js';
import { createEnvelope } from './idp/envelope.js';
import { createUpstreamClient } from './federation/upstream-client.js';
import { createFederatedUsers } from './federation/identity.js';
import { createFederatedLogin } from './federation/login.js';
import { createExternalTokens } from './federation/external-tokens.js';

export interface AppDeps {
  config: Config;
  db: Db;
  logger: Logger;
  now?: () => number;
  /** Tests and benchmarks may lower argon2 cost below the production minimum. */
  hasherOptions?: Partial<PasswordHasherOptions>;
  sleep?: (ms: number) => Promise<void>;
  /** AWS access for the broker: options for the SDK gateway (base credentials default to the SDK chain) or a ready gateway. */
  aws?: AwsGateway | AwsGatewayOptions;
  /** Test seam: wraps the assertion minter (e.g. to replay an assertion against the sandbox). */
  wrapMinter?: (minter: AssertionMinter) => AssertionMinter;
  /** How long the broker reuses tenant/user/client records while change notifications are down (ms); default 1000. */
  directoryCacheMs?: number;
  /** Test seam: first delay before the change listener reconnects (ms; default 100, doubling up to 5 s). */
  listenRetryMs?: number;
}

export async function createApp(deps: AppDeps) {
  const { config, db, logger } = deps;
  const now = deps.now ?? Date.now;
  if (!config.SECRET_KEY) throw new Error('SECRET_KEY must be resolved before createApp (main.ts generates one in development)');
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be resolved before createApp (main.ts starts the embedded database)');

  const metrics = createMetrics();
  const signIn = createSignInLog(logger, config.SECRET_KEY);
  // Disabling a tenant or user drops the broker's cached credentials at once (the broker is
  // built below; changes can only arrive once the app is running).
  const onChange = (e: ChangeEvent) => broker.onChange(e);
  const sql = createSql(config.DATABASE_URL, (err) => logger.warn({ err: { message: err.message } }, 'idle database connection closed by the server'), dbTimeouts(config));
  const database = createDatabase(sql);
  // One LISTEN connection per server process: changes any process commits to tenants,
  // users, clients and keys reach this one within milliseconds (src/db/changes.ts).
  const changes = createChangeListener({
    databaseUrl: config.DATABASE_URL, timeouts: dbTimeouts(config),
    onError: (err, context) => logger.warn({ err: { message: err.message } }, context),
    onConnected: () => logger.debug('listening for database changes'),
    ...(deps.listenRetryMs ? { minDelayMs: deps.listenRetryMs, maxDelayMs: Math.max(5_000, deps.listenRetryMs) } : {}),
  });
  await changes.start();
  const { accounts, tenants, clients, keys, endpoints, upstreams, mfa: mfaService, hasher } = createServices(config, database, { now, hasherOptions: deps.hasherOptions, sleep: deps.sleep, onChange, db });
  const keyService = keys();
  const mfa = mfaService();
  await keyService.ensureKeys();
  const views = createViews();
  // Bring your own identity: sign-in through upstream providers, and their tokens at the broker.
  const upstreamService = upstreams();
  const upstreamClient = createUpstreamClient({ secret: upstreamService.clientSecret, now });
  const federatedUsers = createFederatedUsers(database, () => new Date(now()));
  const federation = createFederatedLogin({ issuer: config.ISSUER, upstreams: upstreamService, client: upstreamClient, users: federatedUsers, envelope: createEnvelope(config.SECRET_KEY), now });
  const externalTokens = createExternalTokens({ issuer: config.ISSUER, upstreams: upstreamService, client: upstreamClient, users: federatedUsers, now });
  const oidcStore = createOidcStore(sql);
  const revocations = createRevocationList(sql);
  const Adapter = guardAdapter(createAdapterFactory(oidcStore, clients, { now, refreshReuseGraceSeconds: config.REFRESH_TOKEN_REUSE_GRACE }));
  // Expired artefacts are ignored on read; the sweep only keeps the table small.
  const sweep = setInterval(() => {
    oidcStore.deleteExpired(new Date(now())).catch((err) => logger.error({ err }, 'expired-record sweep failed'));
    broker.connect.sweep().catch((err) => logger.error({ err }, 'expired connect-state sweep failed'));
  }, 3_600_000);
  sweep.unref();
  const stopThrottleSweep = startThrottleSweeper({
    database, lockSeconds: config.LOGIN_LOCK_SECONDS, now, onError: (err) => logger.error({ err }, 'login-throttle sweep failed'),
  });

  let handle: ReturnType<Provider['callback']>;
  const holder = await createProviderHolder({
    keyService,
    refreshIntervalSeconds: config.KEY_REFRESH_INTERVAL,
    onError: (err) => logger.error({ err }, 'key refresh failed'),
    onRebuild: (p) => { handle = p.callback(); },
    build: (keys) => {
      const provider = buildProvider({
        config, keys, views, adapter: Adapter,
        accounts: {
          findActive: unavailableAsOidc(async (sub: string) => {
            const user = await accounts.findById(sub);
            return user ? { sub: user.id, claims: { ...accounts.claimsFor(user) } } : null;
          }),
          requiresSecondFactor: unavailableAsOidc(mfa.requiresSecondFactor),
        },
        brokerScopesFor: unavailableAsOidc(clients.brokerScopes),
        revocations,
      });
      provider.use(async (ctx, next) => {
        await next();
        // Identity Center and relying parties poll discovery; let them cache it briefly.
        if (ctx.path === '/.well-known/openid-configuration' && ctx.status === 200) ctx.set('Cache-Control', 'public, max-age=300');
        if (ctx.status === 503) ctx.set('Retry-After', String(DB_RETRY_AFTER_SECONDS));
      });
      provider.on('server_error', (_ctx, err) => logger.error({ err }, 'provider server_error'));
      provider.on('end_session.success', (ctx) => signIn.logout({ userId: ctx.oidc.session?.accountId, clientId: ctx.oidc.client?.clientId, ip: currentRequest()?.ip ?? '' }));
      provider.on('grant.success', (ctx) => metrics.grants.inc({ grant_type: String(ctx.oidc.params?.grant_type ?? 'unknown'), outcome: 'success' }));
      provider.on('grant.error', (ctx, err) => metrics.grants.inc({ grant_type: String(ctx.oidc.params?.grant_type ?? 'unknown'), outcome: (err as { error?: string }).error ?? 'error' }));
      return provider;
    },
  });
  const minter = createAssertionMinter({ issuer: config.ISSUER, holder, now });
  const verifier = createTokenVerifier({
    issuer: config.ISSUER, brokerAudience: config.BROKER_AUDIENCE, holder, now, isRevoked: revocations.isRevoked,
    maxLifetimeSeconds: { service: config.ACCESS_TOKEN_TTL, user: Math.max(config.ID_TOKEN_TTL, config.ACCESS_TOKEN_TTL) },
  });
  const broker = createBroker({
    logger, verifier, tenants, endpoints, config, now, aws: deps.aws, directoryCacheMs: deps.directoryCacheMs, externalTokens, changes,
    database, envelope: createEnvelope(config.SECRET_KEY), publicUrl: config.ISSUER,
    minter: deps.wrapMinter ? deps.wrapMinter(minter) : minter,
    metrics: {
      awsCall: (step, seconds, outcome) => metrics.aws.observe({ operation: step, outcome }, seconds),
      cacheLookup: (hit) => (hit ? metrics.cacheHit() : metrics.cacheMiss()),
      recorded: (kind, tenant, outcome) => (kind === 'search' ? metrics.searches : metrics.exchanges).inc({ tenant: tenant ?? 'unknown', outcome }),
      auditDropped: (count) => metrics.auditDropped.inc(count),
    },
  });
  const stopAuditSweep = broker.audit.startSweeper();
  // A key added, activated or retired by any process is published (and used) at once, not
  // at the next KEY_REFRESH_INTERVAL; after a reconnect too, as one may have been missed.
  const reloadKeys = () => void holder.refresh().catch((err) => logger.error({ err }, 'key refresh failed'));
  const stopKeyChanges = changes.subscribe({ change: (c) => { if (c.table === 'signing_keys') reloadKeys(); }, reset: reloadKeys });

  const app = new Koa();
  app.proxy = config.TRUST_PROXY;
  // ctx.ip: the address the outermost trusted proxy saw, not the client-chosen leftmost entry.
  app.maxIpsCount = config.TRUST_PROXY_HOPS;
  app.use(canonicalHost(config.ISSUER));
  const drain = createDrain();
  app.use(drain.middleware);
  app.use(requestId());
  app.use(trackClientGone());
  app.use(unavailableErrors());
  app.use(accessLog(logger, (route, method, status, seconds) => metrics.http.observe({ route, method, status: String(status) }, seconds)));
  app.use(securityHeaders());

  // The broker API first: it is the latency-sensitive path, and its prefix never overlaps
  // the routes below, so its requests skip their matching.
  const onboardingLinks = createOnboardingLinks({ secretKey: config.SECRET_KEY, issuer: config.ISSUER, now });
  const api = createBrokerRouter({ broker, publicUrl: config.ISSUER, views, onboardingLinks, upstreams: upstreamService, admin: { accounts, clients, keys: keyService } });
  app.use(api.routes());
  app.use(api.allowedMethods());

  // SCIM provisioning (src/scim): same service tokens and allowed tenants as the broker.
  const scimDeps = { db: database, hasher, now: () => new Date(now()), onChange };
  const scim = createScimRouter({ issuer: config.ISSUER, adminTenant: config.ADMIN_TENANT, db: database, broker, users: createScimUsers(scimDeps), groups: createScimGroups(scimDeps) });
  app.use(scim.routes());
  app.use(scimFallback(config.ISSUER, logger));

  app.use(createOpsRouter({ config, metrics, keys: () => holder.keys(), database, draining: drain.draining }).routes());

  const interactions = createInteractionRouter({
    holder, views, csrfSecret: config.SECRET_KEY, federation,
    authenticate: (input) => accounts.authenticate(input),
    isFirstParty: async (clientId) => (await clients.get(clientId))?.firstParty ?? false,
    clientName: async (clientId) => (await clients.get(clientId))?.name ?? clientId,
    mfa: {
      nextStep: mfa.nextStep, enrolment: mfa.enrolment, confirmEnrolment: mfa.confirmEnrolment, verify: mfa.verify,
      account: (id) => accounts.findById(id),
      issuerName: async (user) => (await tenants.get(user.tenantId))?.name ?? user.tenantId,
    },
    now,
    onLogin: (attempt) => {
      const outcome = typeof attempt.result === 'string' ? attempt.result : attempt.result.ok ? 'success' : attempt.result.reason;
      metrics.logins.inc({ outcome });
      if (outcome === 'locked') metrics.lockouts.inc();
      signIn.login(attempt);
    },
    onConsent: (e) => signIn.consent(e),
    onFederatedLogin: (e) => {
      metrics.logins.inc({ outcome: 'success' });
      logger.info({ event: 'login.success', via: 'upstream', upstream: e.upstream, tenantId: e.tenantId, clientId: e.clientId, ip: e.ip, userId: e.accountId }, 'sign-in succeeded through an upstream');
    },
  });
  const interactionErrors = pageErrors(views, logger);
  app.use((ctx, next) => (ctx.path.startsWith('/interaction/') || ctx.path === '/onboard' ? interactionErrors(ctx, next) : next()));
  app.use(interactions.routes());
  app.use(interactions.allowedMethods());

  // Identity Center's redirect back for authorization-code tenants. Who is signed in comes
  // from this provider's own session cookie: only that user may complete their connection.
  const idcCallback = createIdcCallbackRouter({
    connect: broker.connect,
    signedInAccount: async (ctx) => (await holder.current().Session.get(ctx)).accountId,
    pageErrors: pageErrors(views, logger),
  });
  app.use(idcCallback.routes());
  const selfService = createSelfServiceRouter({
    links: onboardingLinks, tenants, views, issuer: config.ISSUER,
    dataAccessorClientId: () => clients.dataAccessorClientId(),
    // Audited like an admin's setup check, with the link as the caller.
    check: (tenantId, who) => broker.check('onboarding-link', tenantId, who, { allowPending: true }),
  });
  app.use(selfService.routes());
  app.use(selfService.allowedMethods());

  // The admin console: a first-party public client of our own provider, (re)registered at
  // every start for this ISSUER.
  await clients.ensureFirstParty({
    clientId: CONSOLE_CLIENT_ID, name: 'tti-bridge admin console',
    redirectUris: [`${config.ISSUER}/admin/callback`], postLogoutRedirectUris: [`${config.ISSUER}/admin/signed-out`],
  });
  const consoleRouter = createConsoleRouter({
    auth: createConsoleAuth({ issuer: config.ISSUER, adminTenant: config.ADMIN_TENANT, store: oidcStore, findUser: (id) => accounts.findById(id), publicJwks: () => holder.keys().publicJwks, now }),
    views, tenants, accounts, clients, keys: keyService, refreshKeys: () => holder.refresh(),
    check: (callerId, tenantId, who) => broker.check(callerId, tenantId, who),
    audit: (filters) => broker.audit.list(filters),
    links: onboardingLinks, issuer: config.ISSUER, production: config.NODE_ENV === 'production',
  });
  app.use((ctx, next) => (ctx.path === '/admin' || ctx.path.startsWith('/admin/') ? interactionErrors(ctx, next) : next()));
  app.use(consoleRouter.routes());
  app.use(consoleRouter.allowedMethods());

  // Routes added after start (the demo app once the sandbox is up) go before the provider.
  const late: Middleware[] = [];
  let lateChain: Middleware | undefined;
  app.use((ctx, next) => (lateChain ? lateChain(ctx, next) : next()));

  app.use((ctx) => {
    ctx.respond = false;
    return handle(ctx.req, ctx.res);
  });

  return {
    app, database, holder, keyService, clients, accounts, tenants, endpoints, minter, verifier, broker, onboardingLinks, upstreams: upstreamService, changes,
    mount: (mw: Middleware) => {
      late.push(mw);
      lateChain = compose(late);
    },
    views,
    /** With METRICS_PORT: the app main.ts serves on that port (/metrics is then not on the public one). */
    metricsApp: config.METRICS_PORT ? createMetricsApp(config, metrics) : undefined,
    /** Shutdown began: /readyz fails and responses carry `Connection: close`. */
    drain: drain.begin,
    close: async () => {
      holder.stop();
      stopKeyChanges();
      await changes.close();
      clearInterval(sweep);
      await stopThrottleSweep();
      stopAuditSweep();
      await broker.close();
      await sql.end();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
