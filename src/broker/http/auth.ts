// Bearer-token authentication of the ISV's services: a client-credentials access token
// from our provider for the broker audience, with the scope the route needs.
import type { Context, Next } from 'koa';
import { requireScope, type Caller } from '../access.js';
import { brokerErrors } from '../errors.js';
import type { TokenVerifier } from '../ports.js';

export interface AuthState {
  caller: Caller;
}

export function bearer(ctx: Context): string {
  const m = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(ctx.get('authorization'));
  if (!m) throw brokerErrors.missingToken();
  return m[1]!;
}

export function requireService(verifier: TokenVerifier, scope: string) {
  return async function authenticate(ctx: Context, next: Next): Promise<void> {
    const caller = await verifier.verifyServiceToken(bearer(ctx));
    requireScope(caller, scope);
    (ctx.state as AuthState).caller = caller;
    ctx.set('Cache-Control', 'no-store');
    await next();
  };
}

export const callerOf = (ctx: Context): Caller => (ctx.state as AuthState).caller;
