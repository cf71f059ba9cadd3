// Routes each request to the service it is addressed to. One port serves all four services,
// so the service is told apart by the request itself: the SSO Admin target header, the
// SSO-OIDC token and authorize paths, the Q Business resource paths, or an STS form post to `/`.
import type { SandboxContext } from '../context.js';
import type { SandboxRequest, SandboxResponse } from './request.js';
import { jsonResponse } from './json.js';
import { handleSts } from '../sts/handler.js';
import { handleOidc } from '../oidc/handler.js';
import { handleAuthorize } from '../oidc/authorize.js';
import { handleQBusiness } from '../qbusiness/handler.js';
import { handleSsoAdmin } from '../ssoadmin/handler.js';
import { newUuid } from '../util.js';

export async function route(ctx: SandboxContext, req: SandboxRequest): Promise<SandboxResponse> {
  const target = req.headers['x-amz-target'];
  if (target?.startsWith('SWBExternalService.')) return handleSsoAdmin(ctx, req, target.slice('SWBExternalService.'.length));
  if (req.path === '/token') return handleOidc(ctx, req);
  if (req.path === '/authorize') return handleAuthorize(ctx, req);
  if (req.path.startsWith('/applications/')) return handleQBusiness(ctx, req);
  if (req.method === 'POST' && req.path === '/' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return handleSts(ctx, req);
  }
  return jsonResponse(404, { message: `No sandbox operation matches ${req.method} ${req.path}` }, newUuid(), 'UnknownOperationException');
}
