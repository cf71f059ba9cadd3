// The login_throttle table (src/accounts/throttle.ts; the administrators' unlock in
// src/accounts/users.ts). One row mapper, toThrottleCounter. Counting a failure is one
// INSERT ... ON CONFLICT DO UPDATE, so concurrent failures on several instances all count.
import type { Selectable } from 'kysely';
import type { ThrottleCounter } from '../accounts/types.js';
import type { Database } from './database.js';
import type { LoginThrottle } from './generated/kysely.js';

export function toThrottleCounter(r: Selectable<LoginThrottle>): ThrottleCounter {
  return { key: r.key, failures: r.failures, lastFailure: r.last_failure, lockedUntil: r.locked_until };
}

/** One failure at `at`: what makes a counter stale, and the lock it earns. */
export interface Failure {
  at: Date;
  /** A counter whose last failure is no later than this restarts at 1. */
  staleBefore: Date;
  /** The lock once `max` failures are reached. */
  lockUntil: Date;
  max: number;
}

export function loginThrottleQueries(db: Database) {
  return {
    async get(key: string): Promise<ThrottleCounter | null> {
      const r = await db.selectFrom('login_throttle').selectAll().where('key', '=', key).executeTakeFirst();
      return r ? toThrottleCounter(r) : null;
    },
    async find(keys: string[]): Promise<ThrottleCounter[]> {
      if (keys.length === 0) return [];
      return (await db.selectFrom('login_throttle').selectAll().where('key', 'in', keys).execute()).map(toThrottleCounter);
    },
    /**
     * Counts one failure in one statement. A stale counter (last failure before `staleBefore`,
     * or a lock that has ended) restarts at 1; reaching `max` sets the lock.
     */
    async recordFailure(key: string, f: Failure): Promise<void> {
      const firstLock = f.max <= 1 ? f.lockUntil : null;
      await db
        .insertInto('login_throttle')
        .values({ key, failures: 1, last_failure: f.at, locked_until: firstLock })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => {
            const stale = eb.or([eb('login_throttle.last_failure', '<=', f.staleBefore), eb('login_throttle.locked_until', '<=', f.at)]);
            return {
              failures: eb
                .case()
                .when(stale)
                .then(1)
                .else(eb('login_throttle.failures', '+', 1))
                .end(),
              locked_until: eb
                .case()
                .when(stale)
                .then(firstLock)
                .when(eb('login_throttle.failures', '+', 1), '>=', f.max)
                .then(f.lockUntil)
                .else(eb.ref('login_throttle.locked_until'))
                .end(),
              last_failure: f.at,
            };
          }),
        )
        .execute();
    },
    /** Deletes the counter; returns it as it was (null when there was none). */
    async remove(key: string): Promise<ThrottleCounter | null> {
      const r = await db.deleteFrom('login_throttle').where('key', '=', key).returningAll().executeTakeFirst();
      return r ? toThrottleCounter(r) : null;
    },
    /** Deletes counters whose last failure is no later than `staleBefore` and whose lock (if any) has ended by `now`. */
    async sweep(staleBefore: Date, now: Date): Promise<number> {
      const r = await db
        .deleteFrom('login_throttle')
        .where('last_failure', '<=', staleBefore)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
