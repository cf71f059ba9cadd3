// Shared fixtures for account tests: cheap argon2 parameters (also the test IdP's) and a controllable clock.
import { createPasswordHasher, type PasswordHasherOptions } from '../../src/accounts/password.js';

export const FAST_ARGON2: PasswordHasherOptions = { memoryKib: 256, timeCost: 1, parallelism: 1, maxConcurrency: 4 };

export const fastHasher = (overrides: Partial<PasswordHasherOptions> = {}) => createPasswordHasher({ ...FAST_ARGON2, ...overrides });

export interface FakeClock {
  now: () => Date;
  advance(seconds: number): void;
  /** Records requested sleeps instead of waiting; advances the clock by them. */
  sleep: (ms: number) => Promise<void>;
  sleeps: number[];
}

export function fakeClock(start = Date.UTC(2030, 0, 1)): FakeClock {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => new Date(t),
    advance(seconds) {
      t += seconds * 1000;
    },
    async sleep(ms) {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
  };
}

let seq = 0;
/** A unique id per call within a test file (tests share one database per file). */
export const uniqueId = (prefix: string) => `${prefix}-${process.pid}-${++seq}`;

/** A complete, valid set of data-accessor details (tenant becomes active). */
export const TENANT_DETAILS = {
  qbusinessApplicationId: 'a1b2c3d4-5678-90ab-cdef-000000000001',
  qbusinessRegion: 'us-east-1',
  retrieverId: 'r1b2c3d4-5678-90ab-cdef-000000000002',
  idcApplicationArn: 'arn:aws:sso::123456789012:application/ssoins-0123456789abcdef/apl-0123456789abcdef',
  idcRegion: 'eu-west-1',
  roleArn: 'arn:aws:iam::123456789012:role/service/QDataAccessor',
};
