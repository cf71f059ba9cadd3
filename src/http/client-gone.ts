// Knows, anywhere below the HTTP layer, whether the client of the current request is still
// waiting. Code that consumes state (a refresh token's rotation, a one-time code) checks it
// first: work done after the client gave up (e.g. a frozen database answering late) would
// consume a token whose replacement nobody receives.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Middleware } from 'koa';

const current = new AsyncLocalStorage<AbortSignal>();

/** Runs the rest of the request with a signal that aborts when the client disconnects before the response is complete. */
export function trackClientGone(): Middleware {
  return (ctx, next) => {
    const gone = new AbortController();
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) gone.abort();
    });
    return current.run(gone.signal, next);
  };
}

/** Whether the client of the request being handled has gone (false outside a request). */
export const clientGone = (): boolean => current.getStore()?.aborted ?? false;
