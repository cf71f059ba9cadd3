// Shared helpers for benchmarks: a keep-alive HTTP client (fetch adds too much client
// overhead to measure a server doing 5,000 req/s), a fixed-duration load loop, medians,
// and real token requests against the app (client credentials, a sign-in through the
// login form with authorization code + PKCE).
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

export const median = (xs: number[]) => {
  const s = sorted(xs);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const p90 = (xs: number[]) => sorted(xs)[Math.floor(xs.length * 0.9)]!;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function request(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (opts.body) req.end(opts.body);
    else req.end();
  });
}

/**
 * Runs `op` from `concurrency` loops for `seconds` (each loop passes its own index);
 * returns the completed ops and ops per second.
 */
export async function throughput(
  op: (loop: number) => Promise<unknown>,
  opts: { seconds: number; concurrency: number },
): Promise<{ count: number; perSecond: number }> {
  const end = performance.now() + opts.seconds * 1000;
  let count = 0;
  const loop = async (_: unknown, i: number) => {
    while (performance.now() < end) {
      await op(i);
      count++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: opts.concurrency }, loop));
  return { count, perSecond: count / ((performance.now() - start) / 1000) };
}

export const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

export interface BenchClient {
  clientId: string;
  clientSecret?: string | null;
}

export const basicAuth = (c: BenchClient) => `Basic ${Buffer.from(`${c.clientId}:${c.clientSecret}`).toString('base64')}`;

/** A POST to the token endpoint with client_secret_basic; the parsed response, or an error naming `what`. */
export async function tokenRequest(
  issuer: string,
  client: BenchClient,
  params: Record<string, string>,
  what = params.grant_type,
): Promise<Record<string, string>> {
  const r = await request(`${issuer}/token`, {
    method: 'POST',
    headers: { ...FORM, authorization: basicAuth(client) },
    body: new URLSearchParams(params).toString(),
  });
  if (r.status !== 200) throw new Error(`${what}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as Record<string, string>;
}

/** Cookies set during one sign-in, sent back on its later requests. */
class CookieJar {
  private readonly cookies = new Map<string, string>();

  keep(setCookie: string[] | undefined): void {
    for (const c of setCookie ?? []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, i), pair!.slice(i + 1));
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export interface SignIn {
  issuer: string;
  client: BenchClient;
  redirectUri: string;
  tenant: string;
  email: string;
  password: string;
  scope: string;
  /** e.g. 'consent' to be issued a refresh token (offline_access). */
  prompt?: string;
}

/** The interaction forms' CSRF token on a login or consent page. */
const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * A real sign-in: authorization request, login page, login form, consent if asked,
 * then the code grant with the PKCE verifier. Returns the token response.
 */
export async function signIn(o: SignIn): Promise<Record<string, string>> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const jar = new CookieJar();
  const q = new URLSearchParams({
    client_id: o.client.clientId,
    response_type: 'code',
    redirect_uri: o.redirectUri,
    scope: o.scope,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(o.prompt ? { prompt: o.prompt } : {}),
  });
  let r = await request(`${o.issuer}/auth?${q}`);
  jar.keep(r.headers['set-cookie']);
  const interaction = r.headers.location!;
  const loginPage = await request(`${o.issuer}${interaction}`, { headers: { cookie: jar.header() } });
  r = await request(`${o.issuer}${interaction}/login`, {
    method: 'POST',
    headers: { ...FORM, cookie: jar.header() },
    body: new URLSearchParams({ csrf: csrfOf(loginPage.body), tenant: o.tenant, email: o.email, password: o.password }).toString(),
  });
  jar.keep(r.headers['set-cookie']);
  for (let i = 0; i < 8 && !r.headers.location?.startsWith(o.redirectUri); i++) {
    if (r.status === 200) {
      // consent page: approve
      const uid = /\/interaction\/([^/"]+)\/confirm/.exec(r.body)?.[1];
      if (!uid) throw new Error(`sign-in of ${o.email}: unexpected page (${r.status})`);
      r = await request(`${o.issuer}/interaction/${uid}/confirm`, {
        method: 'POST',
        headers: { ...FORM, cookie: jar.header() },
        body: new URLSearchParams({ csrf: csrfOf(r.body) }).toString(),
      });
    } else {
      r = await request(new URL(r.headers.location!, o.issuer).toString(), { headers: { cookie: jar.header() } });
    }
    jar.keep(r.headers['set-cookie']);
  }
  const code = r.headers.location ? new URL(r.headers.location).searchParams.get('code') : null;
  if (!code) throw new Error(`sign-in of ${o.email} did not return a code: ${r.status} ${r.headers.location}`);
  return tokenRequest(o.issuer, o.client, { grant_type: 'authorization_code', code, redirect_uri: o.redirectUri, code_verifier: verifier }, 'code grant');
}
