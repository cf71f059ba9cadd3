// What aws/ throws when an AWS call fails: the SDK error reduced to the facts the
// broker needs (no SDK types leak out of aws/). Messages are AWS's own text, which
// names ARNs and users but never carries a token or credential.
export type ExchangeStep = 'assume_role' | 'create_token' | 'assume_role_context' | 'search';

export interface AwsFailure {
  step: ExchangeStep;
  /** SDK error name, e.g. AccessDeniedException, ThrottlingException; 'NetworkError' when no response. */
  name: string;
  message: string;
  status?: number;
  requestId?: string;
  /** Server fault or no response at all. */
  unavailable: boolean;
  throttled: boolean;
  retryAfterSeconds?: number;
  /** Q Business validation fields. */
  fields?: { name: string; message: string }[];
  /** A modelled reason code, e.g. SSO-OIDC's KMS_AccessDeniedException. */
  reason?: string;
}

export class AwsCallError extends Error {
  constructor(readonly failure: AwsFailure) {
    super(`${failure.step}: ${failure.name}: ${failure.message}`);
    this.name = 'AwsCallError';
  }
}

export const isAwsCallError = (e: unknown): e is AwsCallError => e instanceof AwsCallError;
