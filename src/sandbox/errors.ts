// Errors raised by sandbox operations. Each protocol renders them in its own envelope
// (awsQuery ErrorResponse XML, restJson1 x-amzn-ErrorType + JSON, OAuth error JSON).
import type { AuthFailureKind } from './sigv4/verify.js';

export class ServiceError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra members of the modeled error shape (e.g. `reason`, `fields`, `resourceId`). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

// Signature failures are reported with different codes by query-protocol services (STS)
// and JSON-protocol services (Q Business, SSO-OIDC, SSO Admin), all with HTTP 403.
const QUERY_CODES: Record<AuthFailureKind, string> = {
  missing: 'MissingAuthenticationToken',
  incomplete: 'IncompleteSignature',
  'unknown-key': 'InvalidClientTokenId',
  'bad-signature': 'SignatureDoesNotMatch',
  expired: 'ExpiredToken',
};
const JSON_CODES: Record<AuthFailureKind, string> = {
  missing: 'MissingAuthenticationTokenException',
  incomplete: 'IncompleteSignatureException',
  'unknown-key': 'UnrecognizedClientException',
  'bad-signature': 'InvalidSignatureException',
  expired: 'ExpiredTokenException',
};

export function authError(kind: AuthFailureKind, message: string, protocol: 'query' | 'json'): ServiceError {
  return new ServiceError((protocol === 'query' ? QUERY_CODES : JSON_CODES)[kind], 403, message);
}

/** A body over the sandbox's limit, answered before anything else as AWS's front end does (413). */
export function bodyTooLargeError(limitBytes: number, protocol: 'query' | 'json'): ServiceError {
  return new ServiceError(
    protocol === 'query' ? 'RequestEntityTooLarge' : 'RequestEntityTooLargeException',
    413,
    `Request body is larger than ${limitBytes} bytes.`,
  );
}
