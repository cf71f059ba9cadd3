// Verifies AWS Signature Version 4 on an incoming request: header syntax, credential scope
// (service and region), request time, the key (long-term or a session this sandbox minted,
// with its session token and expiry) and finally the signature itself.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SandboxRequest } from '../http/request.js';
import type { Caller } from '../state/model.js';
import { sha256Hex } from '../util.js';
import { canonicalRequest, signingKey } from './canonical.js';

export type AuthFailureKind = 'missing' | 'incomplete' | 'unknown-key' | 'bad-signature' | 'expired';

export class AuthFailure extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** Resolves an access key to its caller and secret, or throws an AuthFailure. */
export type KeyResolver = (accessKeyId: string, sessionToken: string | undefined) => { caller: Caller; secret: string };

export interface Verified {
  caller: Caller;
  region: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;:_-]+),\s*Signature=([0-9a-f]{64})$/;
const MAX_SKEW_MS = 15 * 60 * 1000;

export function createVerifier(resolve: KeyResolver, now: () => number) {
  const keyCache = new Map<string, Buffer>();
  return function verify(req: SandboxRequest, service: string): Verified {
    const header = req.headers['authorization'];
    if (!header) throw new AuthFailure('missing', 'Request is missing Authentication Token');
    const m = AUTH.exec(header.trim());
    if (!m) throw new AuthFailure('incomplete', 'Authorization header requires Credential, SignedHeaders and Signature parameters (AWS4-HMAC-SHA256).');
    const [, accessKeyId, date, region, scopeService, signedList, signature] = m as unknown as string[];
    const amzDate = req.headers['x-amz-date'] ?? '';
    if (!/^\d{8}T\d{6}Z$/.test(amzDate))
      throw new AuthFailure('incomplete', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    const { caller, secret } = resolve(accessKeyId as string, req.headers['x-amz-security-token']);
    if (scopeService !== service) {
      throw new AuthFailure('bad-signature', `Credential should be scoped to correct service: '${service}'.`);
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region as string)) {
      throw new AuthFailure('bad-signature', `Credential should be scoped to a valid region, not '${region}'.`);
    }
    if (amzDate.slice(0, 8) !== date) {
      throw new AuthFailure(
        'bad-signature',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${amzDate.slice(0, 8)}'`,
      );
    }
    checkSkew(amzDate, now());
    const signed = (signedList as string).split(';');
    const canonical = canonicalRequest(req, signed);
    if (canonical === undefined) throw new AuthFailure('bad-signature', 'A header named in SignedHeaders is missing from the request.');
    const stringToSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/${service}/aws4_request`, sha256Hex(canonical)].join('\n');
    const expected = createHmac('sha256', signingKey(keyCache, secret, date as string, region as string, service))
      .update(stringToSign)
      .digest();
    if (!timingSafeEqual(expected, Buffer.from(signature as string, 'hex'))) {
      throw new AuthFailure(
        'bad-signature',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return { caller, region: region as string };
  };
}

function checkSkew(amzDate: string, nowMs: number): void {
  const t = Date.UTC(
    +amzDate.slice(0, 4),
    +amzDate.slice(4, 6) - 1,
    +amzDate.slice(6, 8),
    +amzDate.slice(9, 11),
    +amzDate.slice(11, 13),
    +amzDate.slice(13, 15),
  );
  if (t < nowMs - MAX_SKEW_MS) {
    throw new AuthFailure('bad-signature', `Signature expired: ${amzDate} is now earlier than ${isoBasic(nowMs - MAX_SKEW_MS)} (${isoBasic(nowMs)} - 15 min.)`);
  }
  if (t > nowMs + MAX_SKEW_MS) {
    throw new AuthFailure(
      'bad-signature',
      `Signature not yet current: ${amzDate} is still later than ${isoBasic(nowMs + MAX_SKEW_MS)} (${isoBasic(nowMs)} + 15 min.)`,
    );
  }
}

const isoBasic = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
