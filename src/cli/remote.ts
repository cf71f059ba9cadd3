// Server mode: the CLI as a client of a running tti-bridge's admin API, like kcadm. It
// authenticates as a service client with the `admin` scope (client credentials at our own
// token endpoint, found through discovery), then every command is one API call. Problems
// the server answers (problem+json) become the same `error:` output as local failures.
import { AppError, type ErrorCode, type FieldProblem } from '../shared/errors.js';

export interface RemoteOptions {
  server: string;
  clientId: string;
  clientSecret: string;
  fetch?: typeof fetch;
}

export interface Remote {
  server: string;
  clientId: string;
  /** One admin API call (path below /api/v1); resolves to the parsed JSON body (undefined for 204). */
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** The server's discovery document (issuer, endpoints). */
  discovery(): Promise<{ issuer: string; token_endpoint: string }>;
}

function unreachable(server: string, err: unknown): AppError {
  const cause = (err as { cause?: { code?: string; errors?: { code?: string }[] } }).cause;
  const why = cause?.code ?? cause?.errors?.[0]?.code ?? (err as Error).message;
  return new AppError('server_unreachable', 503, `cannot reach ${server} (${why}). Is the server running, and is --server its URL?`);
}

/** Normalises --server: an http(s) origin, without a trailing slash or path. */
export function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError('usage', 400, `--server must be a URL like https://idp.example.com, got '${value}'`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AppError('usage', 400, '--server must be an http(s) URL');
  return url.origin;
}

export function createRemote(opts: RemoteOptions): Remote {
  const server = serverUrl(opts.server);
  const doFetch = opts.fetch ?? fetch;
  let discovered: Promise<{ issuer: string; token_endpoint: string }> | undefined;
  let token: { value: string; until: number } | undefined;

  async function discovery() {
    discovered ??= (async () => {
      const res = await doFetch(`${server}/.well-known/openid-configuration`).catch((err) => {
        throw unreachable(server, err);
      });
      if (!res.ok)
        throw new AppError('server_not_tti_bridge', 502, `${server}/.well-known/openid-configuration answered ${res.status}: is --server a tti-bridge?`);
      return (await res.json()) as { issuer: string; token_endpoint: string };
    })();
    return discovered;
  }

  async function accessToken(): Promise<string> {
    if (token && token.until > Date.now()) return token.value;
    const { token_endpoint: endpoint } = await discovery();
    // The token endpoint sits on the issuer's host; reach it through --server (an internal address may differ from ISSUER).
    const url = new URL(new URL(endpoint).pathname, server);
    const res = await doFetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(opts.clientId)}:${encodeURIComponent(opts.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'admin' }),
    }).catch((err) => {
      throw unreachable(server, err);
    });
    const body = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !body.access_token) {
      const why =
        body.error === 'invalid_client'
          ? `client '${opts.clientId}' was not accepted: check the client id and its secret (TTI_CLIENT_SECRET or the profile)`
          : body.error === 'invalid_scope'
            ? `client '${opts.clientId}' may not get the admin scope: give it with \`tti-bridge clients update ${opts.clientId} --scope admin\``
            : `${body.error ?? res.status}${body.error_description ? `: ${body.error_description}` : ''}`;
      throw new AppError('login_failed', 401, `could not sign in to ${server}: ${why}`);
    }
    token = { value: body.access_token, until: Date.now() + Math.max(0, (body.expires_in ?? 60) - 30) * 1000 };
    return token.value;
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const bearer = await accessToken();
    const res = await doFetch(`${server}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    }).catch((err) => {
      throw unreachable(server, err);
    });
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      // The server's problem+json (its code is one of ours; anything else reads as internal_error).
      const p = (parsed ?? {}) as { code?: ErrorCode; detail?: string; errors?: FieldProblem[] };
      throw new AppError(p.code ?? 'internal_error', res.status, p.detail ?? `${method} ${path} answered ${res.status}`, p.errors ? { fields: p.errors } : {});
    }
    return parsed as T;
  }

  return { server, clientId: opts.clientId, call, discovery };
}
