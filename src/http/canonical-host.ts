// Every URL we publish (discovery's endpoints and jwks_uri, redirects, login pages, the
// OpenAPI servers list) must come from ISSUER alone: Identity Center follows the
// discovery document to find our keys, and the document is cacheable. A request names a
// host in Host, :authority and X-Forwarded-Host, all chosen by the client (or by whoever
// sits in front of the proxy). This middleware runs first and overwrites them with
// ISSUER's host and scheme, so nothing downstream (Koa, node-oidc-provider, our routes)
// can build a URL from the request's own host. Requests for other hosts are still
// answered (health probes by pod IP keep working), only never with their host.
import type { Middleware } from 'koa';

export function canonicalHost(issuer: string): Middleware {
  const url = new URL(issuer);
  const host = url.host;
  const proto = url.protocol.slice(0, -1);
  return async (ctx, next) => {
    const headers = ctx.req.headers;
    headers.host = host;
    delete headers[':authority'];
    delete headers['x-forwarded-host'];
    // Read only where the proxy is trusted (Koa's ctx.protocol, and the provider, which
    // always trusts it because of this middleware); either way it is ISSUER's scheme.
    headers['x-forwarded-proto'] = proto;
    await next();
  };
}
