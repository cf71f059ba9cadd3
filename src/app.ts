// The HTTP composition root: mounts the routes, in their order, on the services that
// openServices (src/services.ts) built. main.ts listens with the result; createApp (both
// halves at once) is for tests and benchmarks.
import Koa, { type Middleware } from 'koa';
import compose from 'koa-compose';
import type { Logger } from './shared/logger.js';
import { trackClientGone } from './http/client-gone.js';
import { createDrain } from './http/shutdown.js';
import { createInteractionRouter } from './idp/interactions.js';
import type { PasswordHasherOptions } from './accounts/password.js';
import { openServices, type AppServices } from './services.js';
import type { ServerOptions } from './server-services.js';
import { accessLog, pageErrors, requestId, securityHeaders, unavailableErrors } from './http/middleware.js';
import { canonicalHost } from './http/canonical-host.js';
import { createMetricsApp, createOpsRouter } from './http/ops.js';
import { createBrokerRouter } from './broker/http/router.js';
import { createIdcCallbackRouter } from './broker/http/idc-callback.js';
import { createSelfServiceRouter } from './tenants/self-service.js';
import { createConsoleAuth } from './console/auth.js';
import { createConsoleRouter } from './console/router.js';
import { createScimRouter, scimFallback } from './scim/router.js';
import type { Config } from './config/load.js';

export function createHttpApp(services: AppServices) {
  const { config, logger, metrics, views, holder, broker, accounts, clients, tenants, database, federation, onboardingLinks, signIn, oidcStore, now } =
    services;
  const keyService = services.keys();
  const mfa = services.mfa();
  const upstreamService = services.upstreams();

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
  const api = createBrokerRouter({
    broker,
    publicUrl: config.ISSUER,
    views,
    onboardingLinks,
    upstreams: upstreamService,
    admin: { accounts, clients, keys: keyService },
  });
  app.use(api.routes());
  app.use(api.allowedMethods());

  // SCIM provisioning (src/scim): same service tokens and allowed tenants as the broker.
  const scim = createScimRouter({
    issuer: config.ISSUER,
    adminTenant: config.ADMIN_TENANT,
    db: database,
    broker,
    users: services.scim.users,
    groups: services.scim.groups,
  });
  app.use(scim.routes());
  app.use(scimFallback(config.ISSUER, logger));

  app.use(createOpsRouter({ config, metrics, keys: () => holder.keys(), database, draining: drain.draining }).routes());

  const interactions = createInteractionRouter({
    holder,
    views,
    csrfSecret: config.SECRET_KEY,
    federation,
    authenticate: (input) => accounts.authenticate(input),
    isFirstParty: async (clientId) => (await clients.get(clientId))?.firstParty ?? false,
    clientName: async (clientId) => (await clients.get(clientId))?.name ?? clientId,
    mfa: {
      nextStep: mfa.nextStep,
      enrolment: mfa.enrolment,
      confirmEnrolment: mfa.confirmEnrolment,
      verify: mfa.verify,
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
      logger.info(
        { event: 'login.success', via: 'upstream', upstream: e.upstream, tenantId: e.tenantId, clientId: e.clientId, ip: e.ip, userId: e.accountId },
        'sign-in succeeded through an upstream',
      );
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
    links: onboardingLinks,
    tenants,
    views,
    issuer: config.ISSUER,
    dataAccessorClientId: () => clients.dataAccessorClientId(),
    // Audited like an admin's setup check, with the link as the caller.
    check: (tenantId, who) => broker.check('onboarding-link', tenantId, who, { allowPending: true }),
  });
  app.use(selfService.routes());
  app.use(selfService.allowedMethods());

  // The admin console (its client is registered by openServices).
  const consoleRouter = createConsoleRouter({
    auth: createConsoleAuth({
      issuer: config.ISSUER,
      adminTenant: config.ADMIN_TENANT,
      store: oidcStore,
      findUser: (id) => accounts.findById(id),
      publicJwks: () => holder.keys().publicJwks,
      now,
    }),
    views,
    tenants,
    accounts,
    clients,
    keys: keyService,
    refreshKeys: () => holder.refresh(),
    check: (callerId, tenantId, who) => broker.check(callerId, tenantId, who),
    audit: (filters) => broker.audit.list(filters),
    links: onboardingLinks,
    issuer: config.ISSUER,
    production: config.NODE_ENV === 'production',
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
    return services.oidcCallback()(ctx.req, ctx.res);
  });

  return {
    app,
    /** Adds routes after start (a plug-in's), in front of the provider. */
    mount: (mw: Middleware) => {
      late.push(mw);
      lateChain = compose(late);
    },
    /** With METRICS_PORT: the app main.ts serves on that port (/metrics is then not on the public one). */
    metricsApp: config.METRICS_PORT ? createMetricsApp(config, metrics) : undefined,
    /** Shutdown began: /readyz fails and responses carry `Connection: close`. */
    drain: drain.begin,
  };
}

export type HttpApp = ReturnType<typeof createHttpApp>;

export interface AppDeps extends ServerOptions {
  config: Config;
  logger: Logger;
  now?: () => number;
  /** Tests and benchmarks may lower argon2 cost below the production minimum. */
  hasherOptions?: Partial<PasswordHasherOptions>;
  sleep?: (ms: number) => Promise<void>;
}

/** Both composition roots at once, as main.ts runs them (tests and benchmarks). */
export async function createApp(deps: AppDeps) {
  const { config, logger, now, hasherOptions, sleep, ...server } = deps;
  const services = await openServices(config, { logger, now, hasherOptions, sleep, server });
  return { services, http: createHttpApp(services), close: () => services.close() };
}

export type App = Awaited<ReturnType<typeof createApp>>;
