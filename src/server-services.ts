// The server's half of openServices (src/services.ts), which alone calls it: the domain
// services wired to the change listener, the signing keys and the OIDC provider built on
// them, the assertion minter and token verifier, the broker, federation, the sign-in log,
// metrics and the background sweeps. Nothing here mounts HTTP (src/app.ts does). A module
// of its own so that the CLI, which needs none of it, does not load it.
import type Provider from 'oidc-provider';
import type pg from 'pg';
import type { Config } from './config/load.js';
import { dbTimeouts } from './db/pool.js';
import type { Database } from './db/database.js';
import { createRowCache } from './db/row-cache.js';
import { currentRequest, type Logger } from './shared/logger.js';
import { createAdapterFactory } from './idp/adapter.js';
import { createOidcStore } from './db/oidc-store.js';
import { createChangeListener } from './db/changes.js';
import { buildProvider } from './idp/provider.js';
import { guardAdapter, unavailableAsOidc } from './idp/unavailable.js';
import { DB_RETRY_AFTER_SECONDS } from './db/unavailable.js';
import { createProviderHolder } from './idp/provider-holder.js';
import { createSignInLog } from './idp/signin-log.js';
import { createAssertionMinter } from './idp/assertion.js';
import { createTokenVerifier } from './idp/token-verifier.js';
import { createRevocationList } from './idp/revocation.js';
import { startThrottleSweeper } from './accounts/throttle.js';
import { createServices, type ServiceOptions } from './services.js';
import type { ChangeEvent } from './tenants/events.js';
import { createViews } from './http/views.js';
import { createMetrics } from './http/metrics.js';
import { createBroker } from './broker/index.js';
import type { AwsGatewayOptions } from './broker/aws/gateway.js';
import type { AssertionMinter, AwsGateway } from './broker/ports.js';
import { createOnboardingLinks } from './tenants/onboarding-link.js';
import { CONSOLE_CLIENT_ID } from './console/auth.js';
import { createScimUsers } from './scim/users.js';
import { createScimGroups } from './scim/groups.js';
import { createUpstreamClient } from './federation/upstream-client.js';
import { createFederatedUsers } from './federation/identity.js';
import { createFederatedLogin } from './federation/login.js';
import { createExternalTokens } from './federation/external-tokens.js';

/** What only the server needs, beyond the options every caller of openServices has. */
export interface ServerOptions {
  /** AWS access for the broker: options for the SDK gateway (base credentials default to the SDK chain) or a ready gateway. */
  aws?: AwsGateway | AwsGatewayOptions;
  /** Test seam: wraps the assertion minter (e.g. to replay an assertion against the sandbox). */
  wrapMinter?: (minter: AssertionMinter) => AssertionMinter;
  /** How long the broker reuses tenant/user/client records while change notifications are down (ms); default 1000. */
  directoryCacheMs?: number;
  /** Test seam: first delay before the change listener reconnects (ms; default 100, doubling up to 5 s). */
  listenRetryMs?: number;
}

export interface ServerDeps extends ServerOptions, Pick<ServiceOptions, 'now' | 'hasherOptions' | 'sleep'> {
  database: Database;
  /** The pool under `database`, for the hand-written statements on the hottest paths. */
  pool: pg.Pool;
  logger: Logger;
}

/** A config whose database and key are resolved (src/runtime.ts does it for main.ts). */
export type ServerConfig = Config & { SECRET_KEY: string; DATABASE_URL: string };

export async function startServerServices(config: Config, deps: ServerDeps) {
  const { database, pool: sql, logger } = deps;
  const now = deps.now ?? Date.now;
  if (!config.SECRET_KEY) throw new Error('SECRET_KEY must be resolved before the server starts (main.ts generates one in development)');
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL must be resolved before the server starts (main.ts starts the embedded database)');
  const resolved = config as ServerConfig;
  // One LISTEN connection per server process: changes any process commits to tenants,
  // users, clients and keys reach this one within milliseconds (src/db/changes.ts).
  const changes = createChangeListener({
    databaseUrl: config.DATABASE_URL,
    timeouts: dbTimeouts(config),
    onError: (err, context) => logger.warn({ err: { message: err.message } }, context),
    onConnected: () => logger.debug('listening for database changes'),
    ...(deps.listenRetryMs ? { minDelayMs: deps.listenRetryMs, maxDelayMs: Math.max(5_000, deps.listenRetryMs) } : {}),
  });
  await changes.start();
  try {
    return await build();
  } catch (err) {
    await changes.close(); // its reconnect timer would keep a failed start alive
    throw err;
  }

  async function build() {
    const metrics = createMetrics();
    const signIn = createSignInLog(logger, resolved.SECRET_KEY);
    // Disabling a tenant or user drops the broker's cached credentials at once (the broker is
    // built below; changes can only arrive once the app is running).
    const onChange = (e: ChangeEvent) => broker.onChange(e);
    // The one cache of tenant, user and client rows, kept fresh by the change feed.
    const rows = createRowCache({ ttlMs: deps.directoryCacheMs ?? 1000, now, changes });
    const services = createServices(config, database, { now, hasherOptions: deps.hasherOptions, sleep: deps.sleep, onChange, rows });
    const { accounts, tenants, clients, endpoints } = services;
    const keyService = services.keys();
    const mfa = services.mfa();
    await keyService.ensureKeys();
    // The admin console: a first-party public client of our own provider, (re)registered at
    // every start for this ISSUER. Before the provider holder: its refresh timer is the first
    // thing built here that needs stopping, and nothing after it waits on the database.
    await clients.ensureFirstParty({
      clientId: CONSOLE_CLIENT_ID,
      name: 'tti-bridge admin console',
      redirectUris: [`${config.ISSUER}/admin/callback`],
      postLogoutRedirectUris: [`${config.ISSUER}/admin/signed-out`],
    });
    const views = createViews();
    // Bring your own identity: sign-in through upstream providers, and their tokens at the broker.
    const upstreamService = services.upstreams();
    const upstreamClient = createUpstreamClient({ secret: upstreamService.clientSecret, now });
    const federatedUsers = createFederatedUsers(database, () => new Date(now()));
    const federation = createFederatedLogin({
      issuer: config.ISSUER,
      upstreams: upstreamService,
      client: upstreamClient,
      users: federatedUsers,
      envelope: services.envelope(),
      now,
    });
    const externalTokens = createExternalTokens({ issuer: config.ISSUER, upstreams: upstreamService, client: upstreamClient, users: federatedUsers, now });
    const oidcStore = createOidcStore(sql);
    const revocations = createRevocationList(sql);
    const Adapter = guardAdapter(createAdapterFactory(oidcStore, clients, { now, refreshReuseGraceSeconds: config.REFRESH_TOKEN_REUSE_GRACE }));

    // The OIDC provider is rebuilt whenever the key set changes; oidcCallback() is the current one's.
    let handle: ReturnType<Provider['callback']>;
    const holder = await createProviderHolder({
      keyService,
      refreshIntervalSeconds: config.KEY_REFRESH_INTERVAL,
      onError: (err) => logger.error({ err }, 'key refresh failed'),
      onRebuild: (p) => {
        handle = p.callback();
      },
      build: (keys) => {
        const provider = buildProvider({
          config,
          keys,
          views,
          adapter: Adapter,
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
        provider.on('end_session.success', (ctx) =>
          signIn.logout({ userId: ctx.oidc.session?.accountId, clientId: ctx.oidc.client?.clientId, ip: currentRequest()?.ip ?? '' }),
        );
        provider.on('grant.success', (ctx) => metrics.grants.inc({ grant_type: String(ctx.oidc.params?.grant_type ?? 'unknown'), outcome: 'success' }));
        provider.on('grant.error', (ctx, err) =>
          metrics.grants.inc({ grant_type: String(ctx.oidc.params?.grant_type ?? 'unknown'), outcome: (err as { error?: string }).error ?? 'error' }),
        );
        return provider;
      },
    });
    const minter = createAssertionMinter({ issuer: config.ISSUER, holder, now });
    const verifier = createTokenVerifier({
      issuer: config.ISSUER,
      brokerAudience: config.BROKER_AUDIENCE,
      holder,
      now,
      isRevoked: revocations.isRevoked,
      maxLifetimeSeconds: { service: config.ACCESS_TOKEN_TTL, user: Math.max(config.ID_TOKEN_TTL, config.ACCESS_TOKEN_TTL) },
    });
    const broker = createBroker({
      logger,
      verifier,
      tenants,
      endpoints,
      config,
      now,
      aws: deps.aws,
      rows,
      externalTokens,
      changes,
      database,
      envelope: services.envelope(),
      publicUrl: config.ISSUER,
      minter: deps.wrapMinter ? deps.wrapMinter(minter) : minter,
      metrics: {
        awsCall: (step, seconds, outcome) => metrics.aws.observe({ operation: step, outcome }, seconds),
        cacheLookup: (hit) => (hit ? metrics.cacheHit() : metrics.cacheMiss()),
        recorded: (kind, tenant, outcome) => (kind === 'search' ? metrics.searches : metrics.exchanges).inc({ tenant: tenant ?? 'unknown', outcome }),
        auditDropped: (count) => metrics.auditDropped.inc(count),
      },
    });
    const onboardingLinks = createOnboardingLinks({ secretKey: resolved.SECRET_KEY, issuer: config.ISSUER, now });
    // SCIM provisioning (src/scim): same service tokens and allowed tenants as the broker.
    const scimDeps = { db: database, hasher: services.hasher, now: () => new Date(now()), onChange };
    const scim = { users: createScimUsers(scimDeps), groups: createScimGroups(scimDeps) };

    // Background work, started once everything above is built.
    // Expired artefacts are ignored on read; the sweep only keeps the table small.
    const sweep = setInterval(() => {
      oidcStore.deleteExpired(new Date(now())).catch((err) => logger.error({ err }, 'expired-record sweep failed'));
      broker.connect.sweep().catch((err) => logger.error({ err }, 'expired connect-state sweep failed'));
    }, 3_600_000);
    sweep.unref();
    const stopThrottleSweep = startThrottleSweeper({
      database,
      lockSeconds: config.LOGIN_LOCK_SECONDS,
      now,
      onError: (err) => logger.error({ err }, 'login-throttle sweep failed'),
    });
    const stopAuditSweep = broker.audit.startSweeper();
    // A key added, activated or retired by any process is published (and used) at once, not
    // at the next KEY_REFRESH_INTERVAL; after a reconnect too, as one may have been missed.
    const reloadKeys = () => void holder.refresh().catch((err) => logger.error({ err }, 'key refresh failed'));
    const stopKeyChanges = changes.subscribe({
      change: (c) => {
        if (c.table === 'signing_keys') reloadKeys();
      },
      reset: reloadKeys,
    });

    return {
      ...services,
      config: resolved,
      logger,
      now,
      metrics,
      views,
      signIn,
      changes,
      holder,
      /** The current OIDC provider's request handler (the HTTP app ends with it). */
      oidcCallback: () => handle,
      oidcStore,
      revocations,
      minter,
      verifier,
      broker,
      federation,
      onboardingLinks,
      scim,
      /** Stops the background work and the listener, then flushes the audit trail (the pool stays open). */
      async close() {
        holder.stop();
        stopKeyChanges();
        rows.close();
        await changes.close();
        clearInterval(sweep);
        await stopThrottleSweep();
        stopAuditSweep();
        await broker.close();
      },
    };
  }
}

export type ServerServices = Awaited<ReturnType<typeof startServerServices>>;
