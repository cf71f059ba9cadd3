// Identity Center's browser endpoint for the authorization-code flow of a data accessor
// (`https://oidc.{region}.amazonaws.com/authorize`): sign in as a user of the instance's
// identity store, consent, then a redirect to the ISV's registered redirect URI with `code`
// and `state`. Like any OAuth server it shows an error page instead of redirecting when the
// client or the redirect URI is wrong (it must never redirect to an unregistered URI), and
// redirects with `error` for everything else.
import { createHash } from 'node:crypto';
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from '../http/request.js';
import type { Application, DataAccessor, IdcUser } from '../state/model.js';
import { findByIdcApplication } from '../state/world.js';
import { epochSeconds } from '../util.js';
import { isAssigned } from './create-token.js';

const CONSENT_LIFETIME_MS = 10 * 60_000;
const SCOPES = ['sts:identity_context', 'openid', 'aws'];
const PARAMS = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge', 'code_challenge_method', 'scopes'] as const;
type Params = Partial<Record<(typeof PARAMS)[number], string>>;

interface Resolved {
  params: Params;
  app: Application;
  da: DataAccessor;
  redirectUri: string;
}

interface ConsentTicket {
  params: Params;
  userId: string;
  authTime: number;
  exp: number;
}

export function handleAuthorize(ctx: SandboxContext, req: SandboxRequest): SandboxResponse {
  if (req.method !== 'GET' && req.method !== 'POST') return page(405, 'Method not allowed', '<p>Use GET or POST.</p>', { allow: 'GET, POST' });
  const form = req.method === 'POST' ? new URLSearchParams(req.body.toString('utf8')) : undefined;
  const source = form ?? req.query;
  const consent = form?.get('consent');
  if (consent) return decide(ctx, consent, form!.get('decision'));
  const params = Object.fromEntries(PARAMS.flatMap((k) => (source.get(k) !== null ? [[k, source.get(k) as string]] : []))) as Params;
  const resolved = resolve(ctx, params);
  if ('error' in resolved) return resolved.error;
  const early = checkRequest(resolved);
  if (early) return early;
  if (!form) return loginPage(resolved);
  const user = signIn(resolved.app, form.get('username') ?? '', form.get('password') ?? '');
  if (!user) return loginPage(resolved, 'Incorrect username or password.');
  if (resolved.da.assignmentRequired && !isAssigned(resolved.da, user)) {
    return redirectError(resolved, 'access_denied', `User '${user.userName}' is not assigned to this application.`);
  }
  const ticket: ConsentTicket = { params, userId: user.id, authTime: epochSeconds(ctx.now()), exp: ctx.now() + CONSENT_LIFETIME_MS };
  return consentPage(resolved, user, ctx.sealer.seal('idc-consent', ticket));
}

/** The client and its redirect URI; any failure here is shown, never redirected. */
function resolve(ctx: SandboxContext, params: Params): Resolved | { error: SandboxResponse } {
  const clientId = params.client_id;
  if (!clientId) return { error: page(400, 'Invalid request', '<p>The request has no <code>client_id</code>.</p>') };
  const found = findByIdcApplication(ctx.world, clientId);
  if (!found) return { error: page(400, 'Invalid client', `<p>No application <code>${esc(clientId)}</code> exists.</p>`) };
  if (found.da.authenticationType !== 'AWS_IAM_IDC_AUTH_CODE') {
    return {
      error: page(
        400,
        'Unauthorized client',
        `<p>Application <code>${esc(clientId)}</code> has no authorization-code grant (its data accessor uses a trusted token issuer).</p>`,
      ),
    };
  }
  const redirectUri = params.redirect_uri;
  if (!redirectUri || !found.da.redirectUris.includes(redirectUri)) {
    return {
      error: page(400, 'Invalid redirect URI', `<p>The redirect URI <code>${esc(redirectUri ?? '(none)')}</code> is not registered for this application.</p>`),
    };
  }
  return { params, app: found.app, da: found.da, redirectUri };
}

function checkRequest(r: Resolved): SandboxResponse | undefined {
  if (r.params.response_type !== 'code') return redirectError(r, 'unsupported_response_type', 'response_type must be code.');
  if (r.params.code_challenge !== undefined) {
    if (r.params.code_challenge_method !== 'S256') return redirectError(r, 'invalid_request', 'code_challenge_method must be S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(r.params.code_challenge))
      return redirectError(r, 'invalid_request', 'code_challenge must be a base64url SHA-256 digest (43 characters).');
  }
  const unknown = scopesOf(r.params).filter((s) => !SCOPES.includes(s));
  if (unknown.length > 0) return redirectError(r, 'invalid_scope', `Unknown scope(s): ${unknown.join(', ')}.`);
  return undefined;
}

const scopesOf = (p: Params) => (p.scopes ? p.scopes.split(/[ ,]+/).filter(Boolean) : SCOPES);

function signIn(app: Application, username: string, password: string): IdcUser | undefined {
  const name = username.trim().toLowerCase();
  const user = app.instance.users.find((u) => u.userName.toLowerCase() === name || u.emails.some((e) => e.toLowerCase() === name));
  return user?.password !== undefined && user.password === password ? user : undefined;
}

function decide(ctx: SandboxContext, sealed: string, decision: string | null): SandboxResponse {
  const ticket = ctx.sealer.open<ConsentTicket>('idc-consent', sealed);
  if (!ticket || ticket.exp <= ctx.now()) return page(400, 'Sign-in expired', '<p>This sign-in has expired. Go back to the application and start again.</p>');
  const resolved = resolve(ctx, ticket.params);
  if ('error' in resolved) return resolved.error;
  if (decision !== 'allow') return redirectError(resolved, 'access_denied', 'The user denied access.');
  const user = resolved.app.instance.users.find((u) => u.id === ticket.userId);
  if (!user) return redirectError(resolved, 'access_denied', 'The user no longer exists.');
  const code = ctx.authCodes.issue({
    clientId: resolved.da.idcApplicationArn,
    userId: user.id,
    redirectUri: resolved.redirectUri,
    ...(ticket.params.code_challenge ? { codeChallenge: ticket.params.code_challenge } : {}),
    authTime: ticket.authTime,
    scopes: scopesOf(ticket.params),
  });
  return redirect(resolved, { code });
}

/** S256 as RFC 7636 defines it. */
export const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function redirectError(r: Resolved, error: string, description: string): SandboxResponse {
  return redirect(r, { error, error_description: description });
}

function redirect(r: Resolved, values: Record<string, string>): SandboxResponse {
  const url = new URL(r.redirectUri);
  for (const [k, v] of Object.entries(values)) url.searchParams.set(k, v);
  if (r.params.state !== undefined) url.searchParams.set('state', r.params.state);
  return { status: 302, headers: { location: url.toString(), 'cache-control': 'no-store' }, body: '' };
}

function hidden(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v ?? '')}">`)
    .join('');
}

function loginPage(r: Resolved, error?: string): SandboxResponse {
  return page(
    error ? 401 : 200,
    'Sign in',
    `
<p class="muted">AWS IAM Identity Center · ${esc(r.app.instance.identityStoreId)} (sandbox)</p>
<p>Sign in to continue to <strong>${esc(r.da.displayName)}</strong>.</p>
${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/authorize">${hidden(r.params)}
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>`,
  );
}

function consentPage(r: Resolved, user: IdcUser, ticket: string): SandboxResponse {
  return page(
    200,
    'Allow access?',
    `
<p><strong>${esc(r.da.displayName)}</strong> wants to access Amazon Q Business (<code>${esc(r.app.name)}</code>) as
<strong>${esc(user.displayName)}</strong> (${esc(user.userName)}).</p>
<p class="muted">It will search content you are allowed to see, until you revoke it or the session ends.</p>
<form method="post" action="/authorize"><input type="hidden" name="consent" value="${esc(ticket)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
  );
}

function page(status: number, title: string, body: string, headers: Record<string, string> = {}): SandboxResponse {
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      ...headers,
    },
    body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)} · IAM Identity Center</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0}
input{display:block;width:100%;padding:.4rem}button{margin:.8rem .4rem 0 0;padding:.4rem 1rem}.muted{color:#666}.error{color:#b00}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`,
  };
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
