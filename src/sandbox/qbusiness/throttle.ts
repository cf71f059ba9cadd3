// Per-data-accessor rate limit (token bucket), so callers can test their ThrottlingException
// handling. The real per-accessor quota is not published; it is off unless configured.
export interface Throttles {
  set(dataAccessorId: string, ratePerSecond: number | undefined): void;
  /** Takes one token; false when the accessor is over its rate. */
  take(dataAccessorId: string): boolean;
}

export function createThrottles(now: () => number): Throttles {
  const buckets = new Map<string, { rate: number; tokens: number; at: number }>();
  return {
    set(id, rate) {
      if (rate === undefined || rate <= 0) buckets.delete(id);
      else buckets.set(id, { rate, tokens: Math.max(1, rate), at: now() });
    },
    take(id) {
      const b = buckets.get(id);
      if (!b) return true;
      const t = now();
      b.tokens = Math.min(Math.max(1, b.rate), b.tokens + ((t - b.at) / 1000) * b.rate);
      b.at = t;
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
