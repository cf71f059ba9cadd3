// node-oidc-provider configuration as a pure function of settings, keys and storage.
// Rebuilt by ProviderHolder whenever the key set changes (rotation without restart).
import Provider, { errors, interactionPolicy, type Configuration } from 'oidc-provider';
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/load.js';
import type { KeySnapshot } from './keys.js';
import type { Views } from '../http/views.js';
import { CLIENT_AUTH_METHODS, useHashedClientSecrets } from './client-auth.js';
import { revokeJwtAccessTokens, type RevocationList } from './revocation.js';

export interface AccountLookup {
  /** Active users only: a disabled user's tokens stop working at the next lookup. */
  findActive(sub: string): Promise<{ sub: string; claims: Record<string, unknown> } | null>;
  /** Whether the account's tenant policy (or its enrolment) asks for a second factor at sign-in. */
  requiresSecondFactor?(sub: string): Promise<boolean>;
}

/**
 * The login prompt plus one check: a session signed in with the password alone is asked to
 * sign in again once a second factor is required (the tenant's policy turned to "required",
 * or the user set up an authenticator), so single sign-on cannot step around it.
 */
function interactionPolicyWith(accounts: AccountLookup) {
  const policy = interactionPolicy.base();
  if (!accounts.requiresSecondFactor) return policy;
  policy.get('login')!.checks.add(
    new interactionPolicy.Check('second_factor', 'A second factor is required', 'login_required', async (ctx) => {
      const { session, result } = ctx.oidc;
      if (!session?.accountId || result?.login) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      const amr = (session.amr ?? []) as string[];
      if (amr.includes('otp') || amr.includes('mfa')) return interactionPolicy.Check.NO_NEED_TO_PROMPT;
      return (await accounts.requiresSecondFactor!(session.accountId)) ? interactionPolicy.Check.REQUEST_PROMPT : interactionPolicy.Check.NO_NEED_TO_PROMPT;
    }),
  );
  return policy;
}

export interface ProviderDeps {
  config: Config;
  keys: KeySnapshot;
  adapter: NonNullable<Configuration['adapter']>;
  accounts: AccountLookup;
  views: Views;
  /** Clients (by id) allowed to get broker API tokens, and with which scopes. */
  brokerScopesFor(clientId: string): Promise<string[]>;
  /** Where revoked JWT access tokens are listed (the revocation endpoint then accepts them). */
  revocations?: RevocationList;
}

const SCOPE_CLAIMS = {
  // `jti` rides with `openid` so every ID token gets a fresh one (Identity Center
  // refuses to exchange a token whose jti it has seen). `amr` says how the user signed in
  // (["pwd"], or ["pwd","otp"] with an authenticator code; the provider fills it from the login).
  openid: ['sub', 'jti', 'amr'],
  email: ['email', 'email_verified'],
  profile: ['name'],
  tenant: ['tenant_id'],
  groups: ['groups'],
};

const PROVIDER_PAGE_CSP = "default-src 'none'; script-src; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

export function buildProvider(deps: ProviderDeps): Provider {
  const { config, keys, views } = deps;
  const configuration: Configuration = {
    adapter: deps.adapter,
    jwks: { keys: keys.providerJwks as never },
    cookies: { keys: keys.cookieKeys, long: { signed: true }, short: { signed: true } },
    claims: SCOPE_CLAIMS,
    scopes: ['openid', 'offline_access', 'email', 'profile', 'tenant', 'groups', 'search', 'admin', 'scim'],
    conformIdTokenClaims: false,
    extraParams: ['tenant'],
    clientDefaults: {
      id_token_signed_response_alg: 'RS256',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    clientAuthMethods: CLIENT_AUTH_METHODS,
    // RS256 only, everywhere: an HS* algorithm would be keyed by the client's stored secret hash.
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256'],
      requestObjectSigningAlgValues: ['RS256'],
      userinfoSigningAlgValues: ['RS256'],
      introspectionSigningAlgValues: ['RS256'],
      authorizationSigningAlgValues: ['RS256'],
      clientAuthSigningAlgValues: ['RS256'],
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: {
      AccessToken: config.ACCESS_TOKEN_TTL,
      ClientCredentials: config.ACCESS_TOKEN_TTL,
      IdToken: config.ID_TOKEN_TTL,
      RefreshToken: config.REFRESH_TOKEN_TTL,
      AuthorizationCode: 60,
      Interaction: 3600,
      Session: config.SESSION_TTL,
      Grant: config.REFRESH_TOKEN_TTL,
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true },
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => views.render(ctx, 'logout', { form, client: ctx.oidc.client?.clientName }),
        postLogoutSuccessSource: async (ctx) => views.render(ctx, 'logged-out', { client: ctx.oidc.client?.clientName }),
      },
      resourceIndicators: {
        enabled: true,
        // Broker API tokens: only for the broker audience, only granted scopes the client holds.
        defaultResource: async (_ctx, client, oneOf) => oneOf ?? (client.grantTypeAllowed('client_credentials') ? config.BROKER_AUDIENCE : undefined),
        useGrantedResource: async () => false,
        getResourceServerInfo: async (_ctx, resource, client) => {
          if (resource !== config.BROKER_AUDIENCE) throw new errors.InvalidTarget(`unknown resource; the broker API is ${config.BROKER_AUDIENCE}`);
          const allowed = await deps.brokerScopesFor(client.clientId);
          if (!allowed.length) throw new errors.InvalidTarget('this client may not call the broker API');
          return {
            scope: allowed.join(' '),
            audience: config.BROKER_AUDIENCE,
            accessTokenFormat: 'jwt',
            accessTokenTTL: config.ACCESS_TOKEN_TTL,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    findAccount: async (_ctx, sub) => {
      const account = await deps.accounts.findActive(sub);
      if (!account) return undefined;
      return {
        accountId: account.sub,
        claims: async (use) => ({ ...account.claims, sub: account.sub, ...(use === 'id_token' ? { jti: randomUUID() } : {}) }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}`, policy: interactionPolicyWith(deps.accounts) },
    renderError: async (ctx, out, error) => {
      views.render(ctx, 'error', {
        error: out.error,
        description: out.error_description ?? 'The request could not be processed.',
        status: (error as { statusCode?: number }).statusCode ?? 400,
      });
    },
    allowOmittingSingleRegisteredRedirectUri: false,
  };
  const provider = new Provider(config.ISSUER, configuration);
  provider.use(async (ctx, next) => {
    // The provider's own HTML (the logout auto-submit page when no one is signed in, the
    // form_post response mode) has an inline script. An empty script-src is 'none'; the
    // provider appends the sha256 of exactly its own script to it (helpers/script_src_sha.js).
    // Our rendered views replace this header with theirs.
    ctx.set('Content-Security-Policy', PROVIDER_PAGE_CSP);
    await next();
  });
  provider.maxIpsCount = config.TRUST_PROXY_HOPS; // as in src/app.ts (the provider reads ctx.ip only for device-flow details)
  useHashedClientSecrets(provider);
  // The app in front (src/http/canonical-host.ts) replaces Host and X-Forwarded-Host/-Proto
  // with ISSUER's before the provider sees a request, so trusting them here makes every URL
  // it publishes (discovery, redirects, form actions) come from ISSUER alone.
  provider.proxy = true;
  if (deps.revocations) {
    provider.use(
      revokeJwtAccessTokens(provider, { issuer: config.ISSUER, audience: config.BROKER_AUDIENCE, publicJwks: keys.publicJwks, revocations: deps.revocations }),
    );
  }
  return provider;
}
