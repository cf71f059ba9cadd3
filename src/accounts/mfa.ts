// Two-step sign-in for local accounts: a TOTP authenticator (RFC 6238) plus ten single-use
// recovery codes, under each tenant's policy (off / optional / required).
//
// At rest: the TOTP secret is sealed with SECRET_KEY (envelope.ts, bound to the user id);
// recovery codes are HMACs under a key derived from SECRET_KEY, so a database dump alone
// neither yields a working code nor allows guessing them offline.
// Guessing: wrong codes count on the login throttle under their own key (kind 'mfa') and the
// client IP, and lock like passwords do. Replay: an accepted code's time step is stored and
// a code for that step or an earlier one is refused, so a code seen once is worthless.
import { createHmac, hkdfSync, randomInt } from 'node:crypto';
import QRCode from 'qrcode';
import type { Database } from '../db/database.js';
import { tenantQueries } from '../db/tenants.js';
import { userMfaQueries } from '../db/user-mfa.js';
import { userQueries } from '../db/users.js';
import type { Envelope } from '../idp/envelope.js';
import { AppError } from '../shared/errors.js';
import type { LoginThrottle } from './throttle.js';
import type { Account } from './types.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';

export const RECOVERY_CODE_COUNT = 10;
/** How long an enrolment not yet confirmed keeps its secret (the second step's own time limit). */
const UNCONFIRMED_TTL_MS = 10 * 60_000;
// No 0/o, 1/l/i: codes are read off paper.
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

/**
 * After a correct password: `none` (signed in), `verify` (ask for a code), `enrol` (policy
 * required, no authenticator yet) or `offer` (policy optional, no authenticator yet: may skip).
 */
export type MfaStep = 'none' | 'verify' | 'enrol' | 'offer';

export type CodeResult = { ok: true; method: 'otp' | 'recovery' } | { ok: false; reason: 'invalid_code' | 'locked'; retryAfterSeconds?: number };

export interface Enrolment {
  /** Base32, for typing into an app that cannot scan. */
  secret: string;
  uri: string;
  /** The otpauth URI as an SVG QR code, inline (the pages load nothing external). */
  qrDataUri: string;
}

export interface MfaService {
  nextStep(user: Account): Promise<MfaStep>;
  /** Starts enrolment, or resumes one not yet confirmed (same secret, so a scanned code keeps working). */
  enrolment(user: Account, issuer: string): Promise<Enrolment>;
  /** Confirms enrolment with a first code; returns the recovery codes, shown once. */
  confirmEnrolment(user: Account, code: string, ip?: string): Promise<CodeResult & { recoveryCodes?: string[] }>;
  verify(user: Account, code: string, ip?: string): Promise<CodeResult>;
  /** Whether a session signed in with the password alone must sign in again (policy or enrolment). */
  requiresSecondFactor(userId: string): Promise<boolean>;
}

export interface MfaDeps {
  database: Database;
  envelope: Envelope;
  /** SECRET_KEY: the recovery-code HMAC key is derived from it. */
  secretKey: string;
  throttle: LoginThrottle;
  now?: () => Date;
}

const normalizeRecovery = (code: string) => code.toLowerCase().replace(/[\s-]/g, '');

function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

export function createMfaService(deps: MfaDeps): MfaService {
  const { envelope, throttle } = deps;
  const mfaRows = userMfaQueries(deps.database);
  const users = userQueries(deps.database);
  const tenants = tenantQueries(deps.database);
  const now = deps.now ?? (() => new Date());
  const recoveryKey = Buffer.from(hkdfSync('sha256', deps.secretKey, 'tti-bridge', 'recovery-code v1', 32));
  const recoveryHash = (userId: string, code: string) =>
    createHmac('sha256', recoveryKey)
      .update(`${userId}:${normalizeRecovery(code)}`)
      .digest('base64url');
  const context = (userId: string) => `totp:${userId}`;

  async function state(user: Pick<Account, 'id' | 'tenantId'>) {
    const [tenant, mfa] = await Promise.all([tenants.get(user.tenantId), mfaRows.get(user.id)]);
    return { policy: tenant?.mfaPolicy ?? 'off', mfa };
  }

  async function nextStep(user: Account): Promise<MfaStep> {
    const { policy, mfa } = await state(user);
    // "off" turns the second factor off for the whole tenant, enrolled users included.
    if (policy === 'off') return 'none';
    if (mfa?.confirmedAt) return 'verify';
    return policy === 'required' ? 'enrol' : 'offer';
  }

  /** Runs one code check under the throttle: locked accounts are refused before any check. */
  async function throttled(user: Account, ip: string | undefined, check: () => Promise<CodeResult>): Promise<CodeResult> {
    const attempt = { tenantId: user.tenantId, email: user.email, ip, kind: 'mfa' as const };
    const gate = await throttle.guard(attempt);
    if (gate.locked) return { ok: false, reason: 'locked', retryAfterSeconds: gate.retryAfterSeconds };
    const result = await check();
    if (result.ok) await throttle.recordSuccess(attempt, gate);
    else await throttle.recordFailure(attempt);
    return result;
  }

  const INVALID: CodeResult = { ok: false, reason: 'invalid_code' };
  const alreadyEnrolled = () => new AppError('mfa_enrolled', 409, 'an authenticator is already set up; an administrator can reset it');

  /** The row enrolment just wrote or kept; gone only if an administrator reset it meanwhile (an error, as before). */
  async function enrolmentRow(userId: string) {
    const mfa = await mfaRows.get(userId);
    if (!mfa) throw new Error('the enrolment was removed while it was being set up');
    return mfa;
  }

  async function verifyTotp(userId: string, secretEnc: string, code: string): Promise<CodeResult> {
    const step = totpStep(envelope.open(secretEnc, context(userId)), code, now().getTime());
    if (step === null) return INVALID;
    // Accept only a step later than the last accepted one, in one statement: the same code
    // sent twice at once succeeds once.
    return (await mfaRows.acceptStep(userId, step)) ? { ok: true, method: 'otp' } : INVALID;
  }

  async function useRecoveryCode(userId: string, code: string): Promise<CodeResult> {
    if (normalizeRecovery(code).length !== 10) return INVALID;
    const hash = recoveryHash(userId, code);
    // One conditional UPDATE: the same code sent twice at once succeeds once.
    return (await mfaRows.consumeRecoveryCode(userId, hash)) ? { ok: true, method: 'recovery' } : INVALID;
  }

  return {
    nextStep,

    async enrolment(user, issuer) {
      let mfa = await mfaRows.get(user.id);
      if (mfa?.confirmedAt) throw alreadyEnrolled();
      // An unconfirmed secret is offered again only within one sign-in's time (retries, a second
      // tab); after that it is replaced. Otherwise whoever once saw it (a stolen password, a
      // screen seen over a shoulder) would hold a working second factor once the user confirmed it.
      if (mfa && mfa.createdAt.getTime() < now().getTime() - UNCONFIRMED_TTL_MS) {
        const sealed = envelope.seal(newTotpSecret(), context(user.id));
        await mfaRows.replaceUnconfirmedSecret(user.id, mfa.totpSecretEnc, sealed, now());
        mfa = await enrolmentRow(user.id);
        if (mfa.confirmedAt) throw alreadyEnrolled();
      }
      if (!mfa) {
        const sealed = envelope.seal(newTotpSecret(), context(user.id));
        // Two tabs enrolling at once: the first row wins and both show its secret.
        await mfaRows.createIfAbsent(user.id, sealed, now());
        mfa = await enrolmentRow(user.id);
      }
      const secret = envelope.open(mfa.totpSecretEnc, context(user.id));
      const uri = totpUri(secret, issuer, user.email);
      const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
      return { secret, uri, qrDataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
    },

    async confirmEnrolment(user, code, ip) {
      let recoveryCodes: string[] | undefined;
      const result = await throttled(user, ip, async () => {
        const mfa = await mfaRows.get(user.id);
        if (!mfa || mfa.confirmedAt) return INVALID;
        const step = totpStep(envelope.open(mfa.totpSecretEnc, context(user.id)), code.trim(), now().getTime());
        if (step === null) return INVALID;
        const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
        const confirmed = await mfaRows.confirm(user.id, mfa.totpSecretEnc, { at: now(), step, recoveryCodes: codes.map((c) => recoveryHash(user.id, c)) });
        if (!confirmed) return INVALID;
        recoveryCodes = codes;
        return { ok: true, method: 'otp' };
      });
      return { ...result, ...(recoveryCodes ? { recoveryCodes } : {}) };
    },

    async verify(user, code, ip) {
      const given = String(code ?? '').trim();
      return throttled(user, ip, async () => {
        const mfa = await mfaRows.get(user.id);
        if (!mfa?.confirmedAt) return INVALID;
        return /^\d{6}$/.test(given.replace(/\s/g, '')) ? verifyTotp(user.id, mfa.totpSecretEnc, given.replace(/\s/g, '')) : useRecoveryCode(user.id, given);
      });
    },

    async requiresSecondFactor(userId) {
      const user = await users.byId(userId);
      if (!user) return false;
      const { policy, mfa } = await state(user);
      return policy === 'required' || (policy === 'optional' && Boolean(mfa?.confirmedAt));
    },
  };
}
