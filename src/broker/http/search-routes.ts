// POST /api/v1/tenants/{tenantId}/search and, for authorization-code tenants, .../connect
import type Router from '@koa/router';
import type { Broker } from '../index.js';
import type { SearchItem } from '../ports.js';
import { callerOf, requireService } from './auth.js';
import { readJson } from './body.js';
import { connectBodySchema, parse, searchBodySchema, toAttributeFilter } from './schemas.js';

export function mountSearch(router: Router, broker: Broker): void {
  router.post('/tenants/:tenantId/search', requireService(broker.searchVerifier, 'search'), async (ctx) => {
    const body = parse(searchBodySchema, await readJson(ctx));
    const res = await broker.search(callerOf(ctx), {
      tenantId: ctx.params.tenantId!,
      user: body.user.token !== undefined ? { token: body.user.token } : body.user.email !== undefined ? { email: body.user.email } : { id: body.user.id! },
      queryText: body.queryText,
      maxResults: body.maxResults,
      nextToken: body.nextToken,
      attributeFilter: body.attributeFilter ? toAttributeFilter(body.attributeFilter) : undefined,
      minConfidence: body.minConfidence,
    });
    ctx.body = { results: res.results.map(toResult), nextToken: res.nextToken };
  });
  // The connect URL for a user of an authorization-code tenant: the ISV sends the user's
  // browser there (Identity Center sign-in and consent, then our /idc/callback).
  router.post('/tenants/:tenantId/connect', requireService(broker.verifier, 'search'), async (ctx) => {
    const body = parse(connectBodySchema, await readJson(ctx));
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await broker.connect.start(callerOf(ctx), {
      tenantId: ctx.params.tenantId!,
      user: body.user.token !== undefined ? { token: body.user.token } : { id: body.user.id! },
      returnUrl: body.returnUrl,
    });
  });
}

const toResult = (i: SearchItem) => ({
  content: i.content,
  documentId: i.documentId,
  title: i.documentTitle,
  uri: i.documentUri,
  attributes: i.documentAttributes,
  confidence: i.confidence,
});
