// What a real ISV backend does with tti-bridge, over HTTP only: OIDC discovery for its
// two clients, a cached client-credentials token for the broker API, search on behalf
// of the signed-in user, and the admin audit API to explain what the broker did.
import * as oidc from 'openid-client';
import type { Config } from '../config/load.js';
import type { DemoClients } from './seed.js';

export interface SearchResult {
  content: string;
  documentId: string;
  title: string | null;
  uri: string | null;
  confidence: string | null;
}
export interface Problem {
  status: number;
  title: string;
  detail: string;
  code?: string;
  step?: string;
}
export interface StepTrace {
  step: string;
  ok: boolean;
  latencyMs: number;
  requestId?: string;
}
export interface AuditEvent {
  id: string;
  at: string;
  kind: string;
  outcome: string;
  errorCode: string | null;
  latencyMs: number;
  detail: unknown;
}

/** Thrown for any non-2xx answer of the broker API, carrying its problem+json. */
export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(`${problem.title}: ${problem.detail}`);
  }
}

/** Re-fetch the service token this long before it expires, so a request never carries a dying one. */
const TOKEN_MARGIN_MS = 60_000;

export function createBackend(deps: { config: Config; clients: DemoClients }) {
  const { config, clients } = deps;
  // openid-client refuses http:// unless told; only the local development issuer is http.
  const insecure = new URL(config.ISSUER).protocol === 'http:';
  const options = insecure ? { execute: [oidc.allowInsecureRequests] } : undefined;

  // Discovery is lazy and memoised; a failure is forgotten so the next request retries.
  const memo = <T>(load: () => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () =>
      (p ??= load().catch((err) => {
        p = undefined;
        throw err;
      }));
  };
  const discover = (c: { clientId: string; clientSecret: string }) =>
    memo(() => oidc.discovery(new URL(config.ISSUER), c.clientId, c.clientSecret, oidc.ClientSecretBasic(c.clientSecret), options));
  const web = discover(clients.web);
  const service = discover(clients.service);

  let token: { value: string; expiresAt: number } | undefined;
  let inflight: Promise<string> | undefined;
  async function serviceToken(): Promise<string> {
    if (token && token.expiresAt - TOKEN_MARGIN_MS > Date.now()) return token.value;
    // Concurrent requests share one token request.
    inflight ??= (async () => {
      const res = await oidc.clientCredentialsGrant(await service(), { scope: 'search admin', resource: config.BROKER_AUDIENCE });
      token = { value: res.access_token, expiresAt: Date.now() + (res.expiresIn() ?? 300) * 1000 };
      return token.value;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown, retried = false): Promise<T> {
    const res = await fetch(`${config.ISSUER}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${await serviceToken()}`, accept: 'application/json', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.ok) return json as T;
    // Our service token was refused (expired early, keys rotated): get a new one, retry once.
    if (res.status === 401 && (json.code === 'invalid_token' || json.code === 'token_expired') && !retried) {
      token = undefined;
      return api<T>(method, path, body, true);
    }
    throw new ApiProblem({
      status: res.status,
      title: String(json.title ?? `HTTP ${res.status}`),
      detail: String(json.detail ?? res.statusText),
      code: json.code as string | undefined,
      step: json.step as string | undefined,
    });
  }

  const audit = (tenantId: string, userId: string, extra: Record<string, string>) =>
    api<{ events: AuditEvent[] }>('GET', `/admin/audit?${new URLSearchParams({ tenantId, userId, ...extra })}`).then((r) => r.events);

  return {
    web,
    search: (tenantId: string, idToken: string, queryText: string) =>
      api<{ results: SearchResult[] }>('POST', `/tenants/${encodeURIComponent(tenantId)}/search`, { queryText, user: { token: idToken }, maxResults: 10 }),
    /** authorization-code tenants: the Identity Center URL that connects this user. */
    connect: (tenantId: string, idToken: string, returnUrl: string) =>
      api<{ authorizeUrl: string }>('POST', `/tenants/${encodeURIComponent(tenantId)}/connect`, { user: { token: idToken }, returnUrl }),
    /** Id of the newest audit event for this user, the baseline to tell what a search added. */
    latestEventId: async (tenantId: string, userId: string) => (await audit(tenantId, userId, { limit: '1' }))[0]?.id ?? '0',
    /**
     * What the broker did for the search just made: audit rows are written in batches about
     * 50 ms after the request, so poll briefly for its `search` row. An `exchange` row newer
     * than the baseline means a fresh exchange; none means cached credentials were reused,
     * and the exchange shown is the one that produced them.
     */
    async explain(tenantId: string, userId: string, baseline: string) {
      const after = (e: AuditEvent) => BigInt(e.id) > BigInt(baseline);
      for (let i = 0; i < 15; i++) {
        const recent = (await audit(tenantId, userId, { limit: '10' })).filter(after);
        const search = recent.find((e) => e.kind === 'search');
        if (search) {
          const fresh = recent.find((e) => e.kind === 'exchange');
          // Reused credentials come from the last exchange or, in authorization-code mode, the connection.
          const [lastExchange, lastConnect] = fresh
            ? []
            : await Promise.all(['exchange', 'connect'].map(async (kind) => (await audit(tenantId, userId, { kind, limit: '1' }))[0]));
          const exchange = fresh ?? [lastExchange, lastConnect].filter((e) => e !== undefined).sort((a, b) => Number(BigInt(b.id) - BigInt(a.id)))[0];
          return { fresh: Boolean(fresh), search, exchange };
        }
        await new Promise((ok) => setTimeout(ok, 60 + i * 20));
      }
      return undefined;
    },
  };
}

export type Backend = ReturnType<typeof createBackend>;
