// Bounds how many CPU/memory-heavy jobs (argon2 hashes) run at once. Extra jobs wait in
// a FIFO queue instead of failing, so a burst of logins is slowed, not rejected; only an
// absurdly long queue is refused, because by then callers would time out anyway.
import { AppError } from '../shared/errors.js';

export interface Limiter {
  run<T>(job: () => Promise<T>): Promise<T>;
  readonly active: number;
}

export function createLimiter(maxConcurrency: number, maxQueue = Infinity): Limiter {
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
    throw new RangeError('maxConcurrency must be a positive integer');
  }
  let active = 0;
  const queue: (() => void)[] = [];

  const acquire = (): Promise<void> => {
    if (active < maxConcurrency) {
      active++;
      return Promise.resolve();
    }
    if (queue.length >= maxQueue) {
      return Promise.reject(new AppError('server_busy', 503, 'Too many logins in progress; try again shortly', { retryAfter: 1 }));
    }
    // The slot is handed over directly by release(), so `active` stays accurate.
    return new Promise((resolve) => queue.push(resolve));
  };

  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else active--;
  };

  return {
    async run(job) {
      await acquire();
      try {
        return await job();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
  };
}
