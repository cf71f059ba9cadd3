// GET /idc/callback: where the customer's Identity Center sends the user's browser after
// sign-in and consent (the redirect URI the ISV registered with AWS). A browser route, not
// part of /api/v1: failures that leave nowhere to go back to are an HTML page; everything
// else goes back to the ISV's return URL with `idc_connect=ok|error`.
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { IDC_CALLBACK_PATH } from '../../tenants/validate.js';
import type { Connect } from '../connect.js';

export interface CallbackDeps {
  connect: Pick<Connect, 'complete'>;
  /** The account signed in at this provider in this browser (its session cookie), if any. */
  signedInAccount(ctx: Context): Promise<string | undefined>;
  /** Renders thrown errors as a page. */
  pageErrors: Middleware;
}

const param = (v: unknown) => (typeof v === 'string' ? v : undefined);

export function createIdcCallbackRouter(deps: CallbackDeps): Router {
  const router = new Router();
  router.get(IDC_CALLBACK_PATH, deps.pageErrors, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const q = ctx.query;
    const outcome = await deps.connect.complete({ state: param(q.state), code: param(q.code), error: param(q.error) }, await deps.signedInAccount(ctx));
    ctx.status = 303;
    ctx.redirect(outcome.redirect);
  });
  return router;
}
