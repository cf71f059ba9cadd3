// Composition of the broker: builds its services from injected dependencies.
// The integrator calls createBroker once and mounts createBrokerRouter({ broker }).
import type { Settings } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import type { ChangeEvent } from '../tenants/events.js';
import type { TenantService } from '../tenants/tenants.js';
import type { EndpointPolicy } from '../tenants/endpoints.js';
import { clientBoundVerifier, createAccess, type ExternalUserTokens } from './access.js';
import { createAuditTrail } from './audit.js';
import { createAwsGateway, type AwsGatewayOptions } from './aws/gateway.js';
import { SessionCache } from './cache.js';
import { createCheck } from './check.js';
import { createExchange, type ExchangeTrace, type Session } from './exchange.js';
import { createPrechecks } from './precheck.js';
import { createConnect } from './connect.js';
import type { Database } from '../db/database.js';
import { createIdcSessionTable } from '../db/idc-sessions.js';
import { createConnectStateTable } from '../db/idc-connect-states.js';
import { registeredAppOrigins } from '../db/app-origins.js';
import type { Envelope } from '../idp/envelope.js';
import type { AssertionMinter, AwsGateway, Clock, TenantAws, TokenVerifier, UserRecord } from './ports.js';
import { createSearch } from './search.js';
import { createDbDirectory } from './storage/directory.js';
import { memoDirectory } from './storage/memo-directory.js';
import type { RowCache } from '../db/row-cache.js';
import type { Change, ChangeFeed } from '../db/changes.js';

export interface BrokerDeps {
  /** The one data layer: directory reads, the audit trail, Identity Center sessions and connect states. */
  database: Database;
  /** Encrypts Identity Center refresh tokens and PKCE verifiers at rest (SECRET_KEY). */
  envelope: Envelope;
  /** ISSUER: where Identity Center sends users back (/idc/callback). */
  publicUrl: string;
  logger: Logger;
  minter: AssertionMinter;
  verifier: TokenVerifier;
  /** The tenant registry (src/tenants); the admin API delegates to it. */
  tenants: TenantService;
  /** Where tenants' endpoint overrides may point; checked before every use. */
  endpoints: Pick<EndpointPolicy, 'assertUsable'>;
  config: Pick<Settings, 'ASSERTION_TTL' | 'CREDENTIAL_CACHE_MAX' | 'CREDENTIAL_REFRESH_MARGIN' | 'AUDIT_RETENTION_DAYS' | 'NODE_ENV'> &
    Partial<Pick<Settings, 'ADMIN_TENANT'>> &
    Partial<Pick<Settings, 'AUDIT_BUFFER_MAX'>> & { ISSUER: string };
  /** A ready gateway (tests), or options for the real one (base credentials, retries). */
  aws?: AwsGateway | AwsGatewayOptions;
  now?: Clock;
  /** Hooks for Prometheus metrics; all optional. */
  metrics?: BrokerMetrics;
  /** Trusted external issuers' user tokens (src/federation/external-tokens.ts); absent = only ours. */
  externalTokens?: ExternalUserTokens;
  /** Changes committed by any process (src/db/changes.ts): they drop cached AWS sessions. */
  changes?: ChangeFeed;
  /** The process's row cache (src/db/row-cache.ts), shared with the client service. */
  rows: RowCache;
}

export interface BrokerMetrics {
  awsCall?: (step: string, seconds: number, outcome: string) => void;
  cacheLookup?: (hit: boolean) => void;
  recorded?: (kind: string, tenantId: string | null, outcome: string) => void;
  auditDropped?: (count: number) => void;
}

/** A ready gateway, as opposed to options for the real one. */
export const isGateway = (a: unknown): a is AwsGateway => typeof (a as AwsGateway | undefined)?.assumeRole === 'function';

/** How long a connect URL (its state) can be used: sign-in and consent at Identity Center. */
const CONNECT_STATE_TTL_SECONDS = 600;

export function createBroker(deps: BrokerDeps) {
  const now = deps.now ?? Date.now;
  const { logger } = deps;
  const aws = isGateway(deps.aws) ? deps.aws : createAwsGateway({ onCall: deps.metrics?.awsCall, ...deps.aws });
  const source = createDbDirectory(deps.database);
  const changes = deps.changes;
  const directory = memoDirectory(source, deps.rows);
  const recorded = deps.metrics?.recorded;
  // Metric labels name only tenants that exist: a made-up id in a request path must not mint
  // a new time series. The lookup is the memoised one the request itself just made.
  const knownTenant = async (id: string | null | undefined) => (id && (await directory.tenant(id).catch(() => null)) ? id : null);
  const audit = createAuditTrail({
    database: deps.database,
    logger,
    now,
    retentionDays: deps.config.AUDIT_RETENTION_DAYS,
    maxQueue: deps.config.AUDIT_BUFFER_MAX,
    onDropped: deps.metrics?.auditDropped,
    onRecord:
      recorded &&
      ((e) => {
        void knownTenant(e.tenantId).then((tenant) => recorded(e.kind, tenant, e.errorCode ?? e.outcome));
      }),
  });
  const cache = new SessionCache<Session>({
    max: deps.config.CREDENTIAL_CACHE_MAX,
    refreshMarginMs: deps.config.CREDENTIAL_REFRESH_MARGIN * 1000,
    now,
    onLookup: deps.metrics?.cacheLookup,
  });
  const verifier = clientBoundVerifier(deps.verifier, directory);
  const access = createAccess({ directory, verifier, endpoints: deps.endpoints, external: deps.externalTokens, operatorTenant: deps.config.ADMIN_TENANT });
  // The setup check reads rows as they are now (never the memo): right after an edit it
  // must check, and report, the settings just written.
  const freshAccess = createAccess({
    directory: source,
    verifier,
    endpoints: deps.endpoints,
    external: deps.externalTokens,
    operatorTenant: deps.config.ADMIN_TENANT,
  });
  // Another process's writes (the CLI, other instances): the same effect as our own onChange
  // on AWS sessions. The row cache follows the same feed itself.
  const unsubscribe = changes?.subscribe({
    change(c: Change) {
      if (c.table === 'tenants') cache.evictTenant(c.id);
      else if (c.table === 'users' && c.tenantId) cache.evict(c.tenantId, c.id);
    },
    // Changes may have been missed while the listener was down: start over.
    reset: () => cache.clear(),
  });
  const audience = () => directory.dataAccessorClientId();
  const ttiExchange = createExchange({ aws, minter: deps.minter, audience, assertionTtlSeconds: deps.config.ASSERTION_TTL, now });
  const prechecks = createPrechecks({
    issuer: deps.config.ISSUER,
    production: deps.config.NODE_ENV === 'production',
    minter: deps.minter,
    audience,
    assertionTtlSeconds: deps.config.ASSERTION_TTL,
  });
  const connect = createConnect({
    access,
    aws,
    cache,
    audit,
    logger,
    now,
    envelope: deps.envelope,
    publicUrl: deps.publicUrl,
    stateTtlSeconds: CONNECT_STATE_TTL_SECONDS,
    sessions: createIdcSessionTable(deps.database),
    states: createConnectStateTable(deps.database),
    appOrigins: () => registeredAppOrigins(deps.database),
  });
  // The identity context comes from our own assertion or, for authorization-code tenants,
  // from the user's stored Identity Center session; everything after it is the same.
  const exchange = (t: TenantAws, u: UserRecord, trace?: ExchangeTrace) =>
    t.authMode === 'authorization-code' ? connect.refresh(t, u, trace) : ttiExchange(t, u, trace);
  return {
    search: createSearch({ access, exchange, cache, audit, logger }),
    connect,
    check: createCheck({ access: freshAccess, directory: source, exchange, prechecks, audit, logger }),
    audit,
    cache,
    access,
    tenants: deps.tenants,
    /** Admin routes: service tokens of removed clients are refused before the route runs. */
    verifier,
    /**
     * The search route: signature and claims only. Revocation and the client's existence
     * (checks that read the database) run inside search(), with its allowed tenants, so that
     * every refusal there, one caused by a database outage included, is in the audit trail.
     */
    searchVerifier: {
      ...verifier,
      verifyServiceToken: (token: string) => deps.verifier.verifyServiceToken(token, { deferRevocation: true }),
    } satisfies TokenVerifier,
    logger,
    /** Pass as the tenant and account services' onChange: drops cached sessions at once. */
    onChange(event: ChangeEvent): void {
      if (event.type === 'user_disabled' || event.type === 'user_updated' || event.type === 'user_deleted') {
        directory.invalidateUser(event.userId);
        cache.evict(event.tenantId, event.userId);
      } else {
        directory.invalidateTenant(event.tenantId);
        cache.evictTenant(event.tenantId);
      }
    },
    async close(): Promise<void> {
      unsubscribe?.();
      cache.clear();
      await audit.flush();
      aws.close();
    },
  };
}

export type Broker = ReturnType<typeof createBroker>;
export type { AssertionMinter, TokenVerifier } from './ports.js';
