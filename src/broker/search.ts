// The search use case: authorize → resolve tenant and user → identity-enhanced session
// (cached) → SearchRelevantContent (one retry with a fresh exchange on stale
// credentials) → confidence filter → audit.
import type { AppError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import type { Access, Caller, UserRef } from './access.js';
import type { AuditTrail } from './audit.js';
import type { SessionCache } from './cache.js';
import type { Exchange, ExchangeTrace, Session } from './exchange.js';
import { failureContext, isStaleCredentials, toAppError } from './errors.js';
import type { Confidence, SearchInput, SearchItem, SearchPage, TenantAws, UserRecord } from './ports.js';

export interface SearchRequest extends SearchInput {
  tenantId: string;
  user: UserRef;
  minConfidence?: Exclude<Confidence, 'NOT_AVAILABLE'>;
}

export interface SearchResponse {
  results: SearchItem[];
  nextToken: string | null;
}

export interface SearchDeps {
  access: Access;
  exchange: Exchange;
  cache: SessionCache<Session>;
  audit: AuditTrail;
  logger: Logger;
}

const RANK: Record<Confidence, number> = { VERY_HIGH: 4, HIGH: 3, MEDIUM: 2, LOW: 1, NOT_AVAILABLE: 0 };

export function meetsConfidence(item: SearchItem, min?: SearchRequest['minConfidence']): boolean {
  return !min || (item.confidence !== null && RANK[item.confidence] >= RANK[min]);
}

export function createSearch(deps: SearchDeps) {
  const { access, cache, audit, logger } = deps;
  // Performance: the per-search line below has a fixed shape whose keys are none of the
  // redacted ones (`code` is our error code, meant to be seen), so it skips the logger's
  // ~120-path redaction (~65 µs a line). It still carries the request id (the logger's
  // request context). Add no free-form fields to it.
  const searchLog = logger.child({}, { redact: [] });

  /** A full exchange, audited on its own so support sees exchange failures and timings. */
  async function exchangeAudited(tenant: TenantAws, user: UserRecord, caller: Caller) {
    const started = performance.now();
    const trace: ExchangeTrace = { steps: [], requestIds: [] };
    const base = { kind: 'exchange' as const, tenantId: tenant.id, userId: user.id, serviceClientId: caller.clientId };
    try {
      const session = await deps.exchange(tenant, user, trace);
      audit.record({
        ...base,
        outcome: 'success',
        errorCode: null,
        awsRequestIds: trace.requestIds,
        latencyMs: performance.now() - started,
        detail: { steps: trace.steps, ...(trace.grant ? { grant: trace.grant } : {}) },
      });
      return { value: session, expiresAt: session.expiresAt };
    } catch (err) {
      const e = toAppError(err, failureContext(tenant, user, trace.assertion), logger);
      audit.record({
        ...base,
        outcome: 'failure',
        errorCode: e.code,
        awsRequestIds: trace.requestIds,
        latencyMs: performance.now() - started,
        detail: { steps: trace.steps, ...(trace.grant ? { grant: trace.grant } : {}) },
      });
      throw e;
    }
  }

  async function searchAs(tenant: TenantAws, user: UserRecord, caller: Caller, input: SearchInput): Promise<SearchPage> {
    const load = () => exchangeAudited(tenant, user, caller);
    const session = await cache.get(tenant.id, user.id, load);
    try {
      return await session.searcher.search(input);
    } catch (err) {
      if (!isStaleCredentials(err)) throw err;
      // Only drop the session that failed: concurrent retries then share one new exchange.
      cache.evictValue(tenant.id, user.id, session);
      return (await cache.get(tenant.id, user.id, load)).searcher.search(input);
    }
  }

  return async function search(caller: Caller, req: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    let user: UserRecord | undefined;
    let tenantAws: TenantAws | undefined;
    let auditQueryText = false;
    let page: SearchPage | undefined;
    let failure: AppError | undefined;
    try {
      const tenant = await access.authorize(caller, req.tenantId, req.user);
      tenantAws = tenant.aws;
      auditQueryText = tenant.record.auditQueryText;
      user = tenant.user;
      page = await searchAs(tenant.aws, user, caller, {
        queryText: req.queryText,
        maxResults: req.maxResults,
        nextToken: req.nextToken,
        attributeFilter: req.attributeFilter,
      });
      return { results: page.items.filter((i) => meetsConfidence(i, req.minConfidence)), nextToken: page.nextToken };
    } catch (err) {
      failure = toAppError(err, tenantAws && user ? failureContext(tenantAws, user) : { tenantId: req.tenantId }, logger);
      throw failure;
    } finally {
      const latencyMs = performance.now() - started;
      const awsId = page?.requestId ?? (failure?.options.detail?.awsRequestId as string | undefined);
      const requestIds = awsId ? [awsId] : [];
      audit.record({
        kind: 'search',
        tenantId: req.tenantId,
        userId: user?.id ?? null,
        serviceClientId: caller.clientId,
        outcome: failure ? 'failure' : 'success',
        errorCode: failure?.code ?? null,
        awsRequestIds: requestIds,
        latencyMs,
        queryText: auditQueryText ? req.queryText : null,
        detail: failure
          ? { status: failure.status, step: failure.options.detail?.step, awsRequestId: failure.options.detail?.awsRequestId }
          : { results: page?.items.length },
      });
      searchLog.info(
        {
          tenantId: req.tenantId,
          userId: user?.id,
          clientId: caller.clientId,
          outcome: failure ? 'failure' : 'success',
          code: failure?.code,
          latencyMs: Math.round(latencyMs),
        },
        'broker search',
      );
    }
  };
}

export type Search = ReturnType<typeof createSearch>;
