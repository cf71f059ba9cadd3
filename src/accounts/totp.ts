// RFC 6238 time-based one-time passwords with the parameters every authenticator app
// understands (SHA-1, 6 digits, 30 s). The library does the HMAC and the window; this file
// turns a match into an absolute time step so the caller can refuse a step used before.
import * as OTPAuth from 'otpauth';

const PERIOD = 30;
const DIGITS = 6;
/** Steps either side of now a code may come from (clock drift between phone and server). */
const WINDOW = 1;

/** A fresh 160-bit secret (RFC 4226's recommended length), base32 as apps expect. */
export const newTotpSecret = (): string => new OTPAuth.Secret({ size: 20 }).base32;

const totp = (secret: string, issuer = '', label = 'OTPAuth') =>
  new OTPAuth.TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: OTPAuth.Secret.fromBase32(secret) });

/** The otpauth:// URI an authenticator app scans (issuer shown as the account's heading). */
export const totpUri = (secret: string, issuer: string, label: string): string => totp(secret, issuer, label).toString();

/** The time step a code was made for, or null when it matches no step within ±WINDOW of `nowMs`. */
export function totpStep(secret: string, code: string, nowMs: number): number | null {
  if (!new RegExp(`^\\d{${DIGITS}}$`).test(code)) return null;
  const delta = totp(secret).validate({ token: code, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : Math.floor(nowMs / 1000 / PERIOD) + delta;
}

/** The code for `nowMs` (tests, and nothing else: the server never needs to show one). */
export const totpCode = (secret: string, nowMs: number): string => totp(secret).generate({ timestamp: nowMs });
