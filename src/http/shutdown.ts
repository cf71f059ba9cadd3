// Graceful stop of the HTTP server on SIGTERM: readiness fails at once, every response
// from then on carries `Connection: close` (keep-alive clients move to other instances
// instead of holding this one open), in-flight requests finish, and after a deadline
// whatever is still open is destroyed, so a held request cannot block exit.
import type { Server } from 'node:http';
import type { Middleware } from 'koa';

export interface Drain {
  /** Sets `Connection: close` on every response once draining. Mount first. */
  middleware: Middleware;
  draining(): boolean;
  begin(): void;
}

export function createDrain(): Drain {
  let draining = false;
  return {
    middleware: (ctx, next) => {
      if (draining) ctx.set('Connection', 'close');
      return next();
    },
    draining: () => draining,
    begin: () => {
      draining = true;
    },
  };
}

export interface CloseOptions {
  /** After this long, open connections (held or slow requests) are destroyed. */
  timeoutMs: number;
  /**
   * Keeps accepting for up to this long first: a request arriving on an idle kept-alive
   * socket gets an answer with `Connection: close` instead of a reset, and load balancers
   * have time to see /readyz fail. Ends early once no connection is open.
   */
  graceMs: number;
  onForced?: () => void;
}

/** Stops `server` as described above; resolves once every connection is closed. */
export async function closeGracefully(server: Server, opts: CloseOptions): Promise<void> {
  const closed = new Promise<void>((ok) => server.once('close', () => ok()));
  const force = setTimeout(() => {
    opts.onForced?.();
    server.closeAllConnections();
  }, opts.timeoutMs);
  const graceEnds = Date.now() + Math.min(opts.graceMs, opts.timeoutMs);
  while (Date.now() < graceEnds && (await openConnections(server)) > 0) await new Promise((ok) => setTimeout(ok, 100));
  server.close(); // stops accepting; idle kept-alive sockets close now (Node >= 19)
  server.closeIdleConnections();
  await closed;
  clearTimeout(force);
}

const openConnections = (server: Server) => new Promise<number>((ok) => server.getConnections((err, count) => ok(err ? 0 : count)));
