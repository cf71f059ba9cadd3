// The OAuth endpoints' side of a database outage: errors the database layer classifies as
// "unavailable" become `temporarily_unavailable` (503) instead of the provider's generic
// server_error (500). node-oidc-provider renders any error with a status and `expose`
// itself (JSON for APIs, renderError for browsers), so the mapping happens where the
// provider calls us: its storage adapter and the account/resource lookups.
import { errors } from 'oidc-provider';
import { TRY_AGAIN_MESSAGE, isDatabaseUnavailable } from '../db/unavailable.js';
import { clientGone } from '../http/client-gone.js';

export class TemporarilyUnavailable extends errors.CustomOIDCProviderError {
  constructor(description = TRY_AGAIN_MESSAGE) {
    super('temporarily_unavailable', description);
    Object.assign(this, { status: 503, statusCode: 503, expose: true });
  }
}

const mapped = (err: unknown) => (isDatabaseUnavailable(err) ? new TemporarilyUnavailable() : err);

/** Calls `fn`, turning "database unavailable" into TemporarilyUnavailable. */
export function unavailableAsOidc<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) =>
    fn(...args).catch((err: unknown) => {
      throw mapped(err);
    });
}

/**
 * Refuses to consume state for a client that has gone: the provider's consume() of a
 * refresh token or code then fails, and the artefact stays usable for the client's retry.
 * The adapter (src/idp/adapter.ts) calls this at the top of consume(); it is also applied
 * by guardAdapter below.
 */
export function assertClientWaiting(): void {
  if (clientGone()) throw new TemporarilyUnavailable('The client disconnected before the request completed; nothing was consumed.');
}

// biome-ignore lint/suspicious/noExplicitAny: TypeScript's mixin signature
type AdapterClass = new (...args: any[]) => object;
const METHODS = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const;

/** The provider's adapter with its database errors mapped, and consume() guarded by assertClientWaiting. */
export function guardAdapter<T extends AdapterClass>(Adapter: T): T {
  return class GuardedAdapter extends Adapter {
    // biome-ignore lint/suspicious/noExplicitAny: TypeScript's mixin signature
    constructor(...args: any[]) {
      super(...args);
      const self = this as unknown as Record<string, unknown>;
      for (const name of METHODS) {
        const inner = self[name];
        if (typeof inner !== 'function') continue;
        const call = unavailableAsOidc((inner as (...a: unknown[]) => Promise<unknown>).bind(this));
        self[name] =
          name === 'consume'
            ? (...a: unknown[]) => {
                assertClientWaiting();
                return call(...a);
              }
            : call;
      }
    }
  };
}
