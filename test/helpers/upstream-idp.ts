// "The ISV's existing identity provider": a second, independent node-oidc-provider on a
// random loopback port, with its own RS256 key, a few clients and accounts. Its login page
// is node-oidc-provider's development form (any login name signs in as that account), and
// every grant is pre-approved, so a sign-in is: authorization URL → login form → redirect.
// `tamper` lets a test make it misbehave (an ID token for the wrong audience, re-signed
// with its real key) to prove the bridge refuses it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { Browser } from './idp.js';

export interface UpstreamAccount {
  email: string;
  email_verified: boolean;
  name?: string;
  groups?: string[];
  org_id?: string;
}

export interface UpstreamClientDef {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

export interface UpstreamIdp {
  issuer: string;
  accounts: Map<string, UpstreamAccount>;
  /** Set to rewrite the next ID tokens' claims (re-signed with the upstream's real key). */
  tamper: { idTokenClaims?: Record<string, unknown> };
  /** A token signed with the upstream's real key, with any claims (for broker tests). */
  sign(claims: Record<string, unknown>, alg?: 'RS256'): Promise<string>;
  /** An ID token for `sub` from a real sign-in of client `clientId` (authorization code + PKCE). */
  idToken(clientId: string, secret: string, redirectUri: string, sub: string): Promise<string>;
  /** Signs in on the development form as `sub` (the browser is at the upstream's login page). */
  login(browser: Browser, loginPage: Response, sub: string, stopAt: string): Promise<{ url: string; res?: Response }>;
  stop(): Promise<void>;
}

export async function startUpstreamIdp(opts: {
  clients: UpstreamClientDef[];
  accounts: Record<string, UpstreamAccount>;
  /** Profile claims at userinfo only, not in the ID token (as Okta and Entra ID do by default). */
  thinIdTokens?: boolean;
}): Promise<UpstreamIdp> {
  const server: Server = createServer();
  // Another host name than the bridge's 127.0.0.1, so browsers keep the two sites' cookies apart.
  await new Promise<void>((ok) => server.listen(0, ok));
  const issuer = `http://localhost:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(privateKey)), kid: 'upstream-key-1', alg: 'RS256', use: 'sig' };
  const accounts = new Map(Object.entries(opts.accounts));
  const tamper: UpstreamIdp['tamper'] = {};
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: jwk.kid!, typ: 'JWT' }).sign(privateKey);

  const configuration: Configuration = {
    clients: opts.clients.map((c) => ({
      ...c,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: { keys: [jwk as never] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'], org: ['org_id'] },
    scopes: ['openid', 'email', 'profile', 'groups', 'org'],
    features: { devInteractions: { enabled: true } },
    conformIdTokenClaims: opts.thinIdTokens ?? false,
    pkce: { required: () => true },
    cookies: { keys: ['upstream-test-cookie-key'] },
    // Pre-approved: the "existing IdP" asks no consent of its own users.
    loadExistingGrant: async (ctx) => {
      if (!ctx.oidc.session?.accountId || !ctx.oidc.client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope('openid email profile groups org');
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const a = accounts.get(sub);
      return a ? { accountId: sub, claims: async () => ({ sub, ...a }) } : undefined;
    },
  };
  const provider = new Provider(issuer, configuration);
  provider.use(async (ctx, next) => {
    await next();
    const claims = tamper.idTokenClaims;
    if (!claims || ctx.path !== '/token' || ctx.status !== 200) return;
    const body = ctx.body as { id_token?: string };
    if (!body?.id_token) return;
    ctx.body = { ...body, id_token: await sign({ ...decodeJwt(body.id_token), ...claims }) };
  });
  server.on('request', provider.callback());

  async function login(browser: Browser, loginPage: Response, sub: string, stopAt: string) {
    const html = await loginPage.text();
    const action = html.match(/<form[^>]*action="([^"]+)"/)?.[1];
    if (!action) throw new Error(`no login form at the upstream:\n${html.slice(0, 300)}`);
    return browser.postForm(new URL(action, issuer).toString(), { prompt: 'login', login: sub, password: 'any' }, stopAt);
  }

  return {
    issuer,
    accounts,
    tamper,
    sign,
    login,
    async idToken(clientId, secret, redirectUri, sub) {
      const config = await oidc.discovery(new URL(issuer), clientId, undefined, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests] });
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile groups org',
        state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      });
      const browser = new Browser();
      const page = await browser.follow(url.toString(), redirectUri);
      const back = await login(browser, page.res!, sub, redirectUri);
      if (!back.url.startsWith(redirectUri)) throw new Error(`upstream sign-in did not return: ${back.res?.status}`);
      const tokens = await oidc.authorizationCodeGrant(config, new URL(back.url), { pkceCodeVerifier: verifier, expectedState: state });
      return tokens.id_token!;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}

/**
 * The test Browser with one cookie jar per host, as a real browser keeps them: the bridge
 * (127.0.0.1) and the upstream (localhost) both set node-oidc-provider's cookie names.
 */
export class HostBrowser extends Browser {
  readonly jars = new Map<string, Map<string, string>>();

  override async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const host = new URL(url).hostname;
    this.jar = this.jars.get(host) ?? new Map();
    this.jars.set(host, this.jar);
    return super.fetch(url, init);
  }
}
