// The demo ISV app under /demo: a server-rendered relying party of our own provider and
// a backend of the broker API, built only from what a real ISV would have (its client
// ids and secrets, the issuer URL, HTTP). It shows the whole flow end to end: sign in,
// search as the user, and the exchange steps the broker performed for that search.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import * as oidc from 'openid-client';
import type { Views } from '../http/views.js';
import type { Config } from '../config/load.js';
import type { Sandbox } from '../sandbox/index.js';
import { DEMO_TENANT_ID } from '../sandbox/index.js';
import { readForm } from '../http/form.js';
import { AppError } from '../shared/errors.js';
import { ApiProblem, createBackend, type Backend, type Problem } from './backend.js';
import { createSessionStore, type DemoSession } from './session.js';
import { DEMO_USERS, DEMO_PASSWORD, DEMO_IDC_PASSWORD, DEMO_IDC_TENANT_ID, type DemoClients } from './seed.js';
import { explainView } from './explain.js';

export interface DemoRouterDeps {
  views: Views;
  config: Config;
  clients: DemoClients;
  sandbox?: Pick<Sandbox, 'url'>;
  /** The authorization-code workspace (demo-idc) is seeded. */
  idcTenant?: boolean;
}

const SCOPE = 'openid email profile tenant';
const MAX_QUERY = 1000; // the API's own limit is larger; a question box needs no more

export function createDemoRouter(deps: DemoRouterDeps): Router {
  const { config, clients } = deps;
  const { views } = deps;
  const sessions = createSessionStore();
  const backend: Backend = createBackend({ config, clients });
  const redirectUri = `${config.ISSUER}/demo/callback`;
  const sweep = setInterval(() => sessions.sweep(), 60_000);
  sweep.unref();

  const router = new Router({ prefix: '/demo' });
  router.use(errors(views));

  const page = (ctx: Context, name: string, data: Record<string, unknown>, status = 200) => {
    views.render(ctx, `demo/${name}`, data);
    ctx.status = status;
  };
  /** Every POST carries the session's CSRF token; SameSite=Lax alone leaves same-site forgeries open. */
  async function postedForm(ctx: Context): Promise<{ s: DemoSession; form: Record<string, string> }> {
    const form = await readForm(ctx);
    const s = sessions.find(ctx);
    if (!sessions.csrfOk(s, form.csrf))
      throw new AppError('csrf_failed', 403, 'This form has expired or did not come from this app. Go back, reload the page and try again.');
    return { s, form };
  }

  router.get('/', (ctx) => {
    const s = sessions.ensure(ctx);
    if (s.user) return ctx.redirect('/demo/search');
    page(ctx, 'home', {
      csrf: s.csrf,
      users: DEMO_USERS,
      password: DEMO_PASSWORD,
      tenant: DEMO_TENANT_ID,
      idcTenant: deps.idcTenant ? DEMO_IDC_TENANT_ID : undefined,
      idcPassword: DEMO_IDC_PASSWORD,
      sandboxUrl: deps.sandbox?.url,
    });
  });

  router.post('/login', async (ctx) => {
    const { s, form } = await postedForm(ctx);
    // Two workspaces of the same customer: trusted token issuer, or authorization code.
    const tenant = deps.idcTenant && form.tenant === DEMO_IDC_TENANT_ID ? DEMO_IDC_TENANT_ID : DEMO_TENANT_ID;
    const pending = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
    s.pending = pending;
    const url = oidc.buildAuthorizationUrl(await backend.web(), {
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      tenant, // extra parameter: prefills the workspace on the login page
    });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const s = sessions.find(ctx);
    // No pending sign-in here: an old bookmark, a second tab, or a forged callback (login CSRF).
    if (!s?.pending) throw new AppError('no_sign_in', 400, 'No sign-in is in progress in this browser. Start again from the demo home page.');
    const { state, nonce, verifier } = s.pending;
    s.pending = undefined; // single use, whatever the outcome
    const current = new URL(ctx.originalUrl, config.ISSUER);
    if (current.searchParams.get('error') === 'access_denied') return ctx.redirect('/demo');
    const tokens = await oidc.authorizationCodeGrant(await backend.web(), current, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const user = {
      sub: claims.sub,
      email: String(claims.email ?? ''),
      name: String(claims.name ?? claims.email ?? claims.sub),
      tenant: String(claims.tenant_id ?? DEMO_TENANT_ID),
      idToken: tokens.id_token!,
    };
    // The session lives as long as the ID token: it is what the broker accepts as proof the user is present.
    sessions.signIn(ctx, s, user, claims.exp * 1000);
    ctx.redirect('/demo/search');
  });

  const signedIn = async (ctx: Context, next: Next) => {
    const s = sessions.find(ctx);
    if (!s?.user) return ctx.redirect('/demo');
    ctx.state.demo = s;
    return next();
  };

  router.get('/search', signedIn, (ctx) => {
    const s = ctx.state.demo as DemoSession;
    // Back from Identity Center (authorization-code workspace): the callback sends idc_connect.
    const connect = ctx.query.idc_connect;
    const connected = connect === 'ok' ? { ok: true } : connect === 'error' ? { ok: false, code: String(ctx.query.code ?? 'connect_failed') } : undefined;
    page(ctx, 'search', { user: s.user, csrf: s.csrf, connected, q: connected ? s.lastQuery : undefined, prefill: Boolean(connected) });
  });

  // authorization-code workspace: get a connect URL for this user from the broker and send
  // the browser to the customer's Identity Center; it comes back through /idc/callback.
  router.post('/connect', async (ctx) => {
    const { s } = await postedForm(ctx);
    if (!s.user) return ctx.redirect('/demo');
    const { authorizeUrl } = await backend.connect(s.user.tenant, s.user.idToken, `${config.ISSUER}/demo/search`);
    ctx.status = 303;
    ctx.redirect(authorizeUrl);
  });

  router.post('/search', async (ctx) => {
    const { s, form } = await postedForm(ctx);
    if (!s.user) return ctx.redirect('/demo');
    const q = (form.q ?? '').trim().slice(0, MAX_QUERY);
    s.lastQuery = q;
    const data: Record<string, unknown> = { user: s.user, csrf: s.csrf, q };
    if (!q) return page(ctx, 'search', { ...data, problem: { title: 'Empty question', detail: 'Type a question or a few keywords to search for.' } }, 400);
    const { tenant, sub, idToken } = s.user;
    // The newest audit row before the search; what appears after it is this search's doing.
    const baseline = await backend.latestEventId(tenant, sub).catch(() => undefined);
    let problem: Problem | undefined;
    try {
      data.results = (await backend.search(tenant, idToken, q)).results;
    } catch (err) {
      if (!(err instanceof ApiProblem)) throw err;
      problem = err.problem;
    }
    const explained = baseline === undefined ? undefined : await backend.explain(tenant, sub, baseline).catch(() => undefined);
    // The user's ID token is the proof of presence: once refused, only a new sign-in helps.
    const expired = problem?.code === 'user_token_expired' || problem?.code === 'invalid_user_token';
    // authorization-code workspace, user not connected yet: offer the Identity Center sign-in.
    const connectRequired = problem?.code === 'connect_required';
    page(ctx, 'search', { ...data, problem, expired, connectRequired, explain: explainView(explained) }, problem ? problem.status : 200);
  });

  router.post('/logout', async (ctx) => {
    const { s } = await postedForm(ctx);
    sessions.end(ctx, s);
    if (!s.user) return ctx.redirect('/demo');
    // RP-initiated logout: the provider ends its own session too, then sends the browser back here.
    const url = oidc.buildEndSessionUrl(await backend.web(), { id_token_hint: s.user.idToken, post_logout_redirect_uri: `${config.ISSUER}/demo` });
    ctx.status = 303;
    ctx.redirect(url.href);
  });

  return router;
}

/** Failures become a readable page; OIDC protocol errors name what went wrong (a demo is for learning). */
function errors(views: Views) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      const known = err instanceof AppError && err.expose;
      const protocol = err instanceof oidc.ResponseBodyError || err instanceof oidc.AuthorizationResponseError || err instanceof oidc.ClientError;
      views.render(ctx, 'demo/error', {
        title: known ? 'Request refused' : protocol ? 'Sign-in failed' : 'Something went wrong',
        detail: known || protocol ? (err as Error).message : `An unexpected error occurred (request id ${ctx.state.requestId ?? 'unknown'}).`,
      });
      ctx.status = known ? (err as AppError).status : protocol ? 502 : 500;
      if (!known && !protocol) ctx.app.emit('error', err, ctx); // Koa's usual report (stderr by default)
    }
  };
}
