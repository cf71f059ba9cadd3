// Brute-force protection in the login_throttle table, shared by every instance.
// Two counters per attempt: the account (`acct:<tenant>:<email>`, counted even when the
// account does not exist, so probing unknown emails costs the same) and the client IP
// (`ip:<addr>`). Reaching a limit locks the key for LOGIN_LOCK_SECONDS; before that,
// repeated failures add a growing delay. A counter goes stale (restarts) once the lock
// window has passed since its last failure. Second-factor codes (kind 'mfa') count on
// their own account key (`mfa:<tenant>:<email>`) and the same IP key.
import type { Database } from '../db/database.js';
import { loginThrottleQueries } from '../db/login-throttle.js';
import { normalizeEmail } from './validate.js';

export interface ThrottleOptions {
  database: Database;
  maxFailuresAccount: number;
  maxFailuresIp: number;
  lockSeconds: number;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/** Failures that cost nothing before delays start; then the delay doubles from BASE_DELAY_MS up to MAX_DELAY_MS. */
const FREE_FAILURES = 2;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 2000;

export interface LoginAttempt {
  tenantId: string;
  email: string;
  ip?: string;
  /** What was guessed: the password (default) or a second-factor code. */
  kind?: 'password' | 'mfa';
}

export type ThrottleState = { locked: true; retryAfterSeconds: number } | { locked: false; delayMs: number };

/**
 * guard()'s answer: the state, whether the account had a counter row when it was read, and
 * when locked, which counter holds the lock (for the sign-in log; never shown to the user).
 */
export type GuardResult = ThrottleState & { accountCounter: boolean; lockedBy?: 'account' | 'ip' };

export interface LoginThrottle {
  /** Reads both counters: locked, or the delay to impose before checking the password. */
  check(attempt: LoginAttempt): Promise<ThrottleState>;
  /** check() and then sleeps for the delay; returns the state and whether an account counter exists. */
  guard(attempt: LoginAttempt): Promise<GuardResult>;
  recordFailure(attempt: LoginAttempt): Promise<void>;
  /**
   * Clears the account counter. The IP counter stays: one valid login must not whitewash an IP.
   * Given guard()'s result for this attempt, skips the write when there was no counter to clear.
   */
  recordSuccess(attempt: LoginAttempt, gate?: Pick<GuardResult, 'accountCounter'>): Promise<void>;
}

export const accountKey = (tenantId: string, email: string) => `acct:${tenantId}:${normalizeEmail(email)}`;
const keyOf = (a: LoginAttempt) => (a.kind === 'mfa' ? `mfa:${a.tenantId}:${normalizeEmail(a.email)}` : accountKey(a.tenantId, a.email));
export const ipKey = (ip: string) => `ip:${ip}`;

export function throttleOptionsFromConfig(config: {
  LOGIN_MAX_FAILURES_ACCOUNT: number;
  LOGIN_MAX_FAILURES_IP: number;
  LOGIN_LOCK_SECONDS: number;
}): Pick<ThrottleOptions, 'maxFailuresAccount' | 'maxFailuresIp' | 'lockSeconds'> {
  return {
    maxFailuresAccount: config.LOGIN_MAX_FAILURES_ACCOUNT,
    maxFailuresIp: config.LOGIN_MAX_FAILURES_IP,
    lockSeconds: config.LOGIN_LOCK_SECONDS,
  };
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createLoginThrottle(opts: ThrottleOptions): LoginThrottle {
  const { lockSeconds } = opts;
  const counters = loginThrottleQueries(opts.database);
  const now = opts.now ?? (() => new Date());
  const sleep = opts.sleep ?? realSleep;
  // A shared NAT address sees many users' typos, so IP delays start only halfway to its lock.
  const ipFree = Math.max(FREE_FAILURES, Math.floor(opts.maxFailuresIp / 2));

  const delayFor = (failures: number, freeCount: number) =>
    failures <= freeCount ? 0 : Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (failures - freeCount - 1));

  const keysOf = (a: LoginAttempt) => {
    const keys = [{ key: keyOf(a), max: opts.maxFailuresAccount, free: FREE_FAILURES }];
    if (a.ip) keys.push({ key: ipKey(a.ip), max: opts.maxFailuresIp, free: ipFree });
    return keys;
  };

  async function read(attempt: LoginAttempt): Promise<GuardResult> {
    const keys = keysOf(attempt);
    const rows = await counters.find(keys.map((k) => k.key));
    const accountCounter = rows.some((row) => row.key === keys[0]!.key);
    const t = now().getTime();
    let retryMs = 0;
    let delayMs = 0;
    let lockedBy: GuardResult['lockedBy'];
    for (const row of rows) {
      if (row.lockedUntil && row.lockedUntil.getTime() > t) {
        retryMs = Math.max(retryMs, row.lockedUntil.getTime() - t);
        if (lockedBy !== 'account') lockedBy = row.key === keys[0]!.key ? 'account' : 'ip';
      }
      const fresh = row.lastFailure.getTime() > t - lockSeconds * 1000;
      const k = keys.find((x) => x.key === row.key)!;
      if (fresh && !row.lockedUntil) delayMs = Math.max(delayMs, delayFor(row.failures, k.free));
    }
    if (retryMs > 0) return { locked: true, retryAfterSeconds: Math.ceil(retryMs / 1000), accountCounter, lockedBy };
    return { locked: false, delayMs, accountCounter };
  }

  async function check(attempt: LoginAttempt): Promise<ThrottleState> {
    const { accountCounter: _, lockedBy: _by, ...state } = await read(attempt);
    return state;
  }

  async function bump(key: string, max: number): Promise<void> {
    const t = now().getTime();
    // One statement, so concurrent failures on several instances all count.
    await counters.recordFailure(key, {
      at: new Date(t),
      staleBefore: new Date(t - lockSeconds * 1000),
      lockUntil: new Date(t + lockSeconds * 1000),
      max,
    });
  }

  return {
    check,
    async guard(attempt) {
      const state = await read(attempt);
      if (!state.locked && state.delayMs > 0) await sleep(state.delayMs);
      return state;
    },
    async recordFailure(attempt) {
      for (const k of keysOf(attempt)) await bump(k.key, k.max);
    },
    async recordSuccess(attempt, gate) {
      if (gate && !gate.accountCounter) return;
      await counters.remove(keyOf(attempt));
    },
  };
}

/**
 * Deletes counters that can no longer lock or delay anyone (last failure older than the lock
 * window, no lock in force); read() and bump() already treat them as absent. Returns the count.
 */
export async function sweepStaleThrottles(database: Database, lockSeconds: number, now: Date): Promise<number> {
  return loginThrottleQueries(database).sweep(new Date(now.getTime() - lockSeconds * 1000), now);
}

/** Sweeps at start (restarts must not postpone it forever) and then every `intervalMs`; stop() waits for a running sweep. */
export function startThrottleSweeper(opts: {
  database: Database;
  lockSeconds: number;
  now: () => number;
  onError: (err: unknown) => void;
  intervalMs?: number;
}): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    running = sweepStaleThrottles(opts.database, opts.lockSeconds, new Date(opts.now())).catch(opts.onError);
  };
  sweep();
  const timer = setInterval(sweep, opts.intervalMs ?? 3_600_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
