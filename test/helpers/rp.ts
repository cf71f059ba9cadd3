// openid-client (v6) as an independent relying party of the test IdP.
import * as oidc from 'openid-client';
import type { TestIdp } from './idp.js';
import { Browser, formAction, hiddenFields } from './idp.js';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export async function discover(idp: TestIdp, clientId: string, secret?: string) {
  return oidc.discovery(new URL(idp.issuer), clientId, secret, secret ? oidc.ClientSecretBasic(secret) : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

export interface SignInResult {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  browser: Browser;
  verifier: string;
  callbackUrl: string;
}

/** Authorization code + PKCE through the real login form (and consent page when shown). */
export async function startAuthorization(
  config: oidc.Configuration,
  scope = 'openid email profile tenant groups offline_access',
  extra: Record<string, string> = {},
) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    prompt: 'consent',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const browser = new Browser();
  const page = await browser.follow(url.toString(), REDIRECT_URI);
  return { browser, verifier, state, page };
}

export interface TestUser {
  tenant: string;
  email: string;
  password: string;
}

/** Posts the login form of `page` and confirms the consent page when one is shown; returns where the browser stopped. */
export async function logInAndConsent(idp: TestIdp, browser: Browser, page: { res?: Response }, user: TestUser) {
  const html = await page.res!.text();
  let step = await browser.postForm(new URL(formAction(html, '/login'), idp.issuer).toString(), { ...hiddenFields(html, '/login'), ...user }, REDIRECT_URI);
  if (step.res && step.res.status === 200) {
    const consent = await step.res.text();
    step = await browser.postForm(new URL(formAction(consent, '/confirm'), idp.issuer).toString(), hiddenFields(consent, '/confirm'), REDIRECT_URI);
  }
  return step;
}

export async function signIn(idp: TestIdp, config: oidc.Configuration, user: TestUser, scope?: string): Promise<SignInResult> {
  const { browser, verifier, state, page } = await startAuthorization(config, scope);
  const step = await logInAndConsent(idp, browser, page, user);
  if (!step.url.startsWith(REDIRECT_URI)) throw new Error(`sign-in did not reach the client: ${step.res?.status} ${await step.res?.text()}`);
  const tokens = await oidc.authorizationCodeGrant(config, new URL(step.url), { pkceCodeVerifier: verifier, expectedState: state });
  return { tokens, browser, verifier, callbackUrl: step.url };
}
