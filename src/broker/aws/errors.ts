// SDK exceptions → AwsFailure: the facts of a failure, read off the SDK's error shapes (the
// only code that knows them). What they mean for the caller is decided in ../errors.ts.
import { AwsCallError, type AwsFailure, type ExchangeStep } from '../aws-error.js';
import { isThrottled } from '../errors.js';

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { headers?: Record<string, string | undefined> };
  error_description?: string;
  fields?: { name: string; message: string }[];
  /** SSO-OIDC's modelled reason (AccessDeniedException, InvalidRequestException), e.g. KMS_AccessDeniedException. */
  reason?: string;
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|ERR_HTTP2)/;

export function toAwsFailure(step: ExchangeStep, err: unknown): AwsFailure {
  const e = (err ?? {}) as SdkErrorLike;
  const status = e.$metadata?.httpStatusCode;
  const name =
    status === undefined && (NETWORK_CODES.test(e.code ?? '') || e.name === 'TimeoutError' || !e.$metadata) ? 'NetworkError' : (e.name ?? 'UnknownError');
  const throttled = isThrottled(name, status);
  const retryAfter = Number(e.$response?.headers?.['retry-after']);
  return {
    step,
    name,
    // SSO-OIDC errors carry no `message` (the SDK says 'UnknownError'); error_description is the text.
    message: e.error_description ?? (e.message && e.message !== 'UnknownError' ? e.message : name),
    status,
    requestId: e.$metadata?.requestId,
    unavailable: !throttled && (name === 'NetworkError' || e.$fault === 'server' || (status ?? 0) >= 500),
    throttled,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? Math.ceil(retryAfter) : undefined,
    reason: typeof e.reason === 'string' ? e.reason : undefined,
    fields: Array.isArray(e.fields) ? e.fields.map((f) => ({ name: String(f.name), message: String(f.message) })) : undefined,
  };
}

/** Runs one AWS call, rethrowing any failure as an AwsCallError for `step`. */
export async function awsCall<T>(step: ExchangeStep, fn: () => Promise<T>, observe?: CallObserver): Promise<T> {
  const started = performance.now();
  try {
    const out = await fn();
    observe?.(step, (performance.now() - started) / 1000, 'success');
    return out;
  } catch (err) {
    const failure = err instanceof AwsCallError ? err : new AwsCallError(toAwsFailure(step, err));
    observe?.(step, (performance.now() - started) / 1000, failure.failure.name);
    throw failure;
  }
}

/** Receives every AWS call's duration and outcome (metrics). */
export type CallObserver = (step: ExchangeStep, seconds: number, outcome: string) => void;
