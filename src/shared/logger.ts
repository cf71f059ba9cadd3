// JSON logs (pino). Secrets are redacted by key wherever they appear, so a careless
// `log.info({ body })` cannot leak a token, password, assertion or AWS credential.
// Every line written while a request is being handled carries that request's id
// (`reqId`), taken from the request context below: the provider's event handlers, the
// broker and the audit code need not pass it along.
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * Key names whose values are secrets, redacted at any of the first three levels and in
 * request headers. Only names that never mean anything else: `code` is not here, since
 * our error codes (`assertion_rejected`, ...) are what an operator greps for; an OAuth
 * authorization code is redacted by its exact paths (REDACTED_PATHS).
 */
export const REDACTED_KEYS = [
  'password',
  'newPassword',
  'passwordHash',
  'client_secret',
  'clientSecret',
  'secret',
  'secretHash',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'assertion',
  'userToken',
  'authorization',
  'cookie',
  'set-cookie',
  'SecretAccessKey',
  'secretAccessKey',
  'SessionToken',
  'sessionToken',
  'AccessKeyId',
  'accessKeyId',
  'credentials',
  'ContextAssertion',
  'identityContext',
  'privateEnc',
  'SECRET_KEY',
  'code_verifier',
];

/** Where an OAuth authorization code sits when a request's parameters are logged. */
export const REDACTED_PATHS = ['params.code', 'query.code', 'body.code', 'form.code', 'req.query.code', 'req.body.code'];

export type { Logger };

/** The request being handled: its id (on every log line) and the client IP our app derived. */
export interface RequestContext {
  reqId: string;
  /** Koa's ctx.ip in our app (TRUST_PROXY-aware), for code that only sees the provider's ctx. */
  ip: string;
}

const requestContext = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (a request's handling) so that every line logged inside it carries `reqId`. */
export const withRequestContext = <T>(context: RequestContext, fn: () => T): T => requestContext.run(context, fn);

/**
 * Runs `fn` outside any request: for work a request merely triggers but that serves many
 * (a batch timer), whose lines must not carry the id of whichever request came first.
 */
export const outsideRequest = <T>(fn: () => T): T => requestContext.exit(fn);

/** The request being handled, if any. */
export const currentRequest = (): RequestContext | undefined => requestContext.getStore();

/**
 * stdout, written as each line comes (no batching: a line appears when it happens, and
 * an operator tailing the log during an incident sees it at once). Asynchronous writes
 * keep a slow terminal or pipe off the request path; pino flushes what is pending on exit.
 */
export const stdoutDestination = (): DestinationStream => pino.destination({ dest: 1, sync: false, minLength: 0 });

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = [...REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]), ...REDACTED_PATHS];
  return pino(
    {
      level,
      redact: { paths, censor: '[redacted]' },
      base: undefined,
      // Child loggers inherit the mixin, so lines that skip redaction for speed carry it too.
      mixin: () => {
        const store = requestContext.getStore();
        return store ? { reqId: store.reqId } : {};
      },
    },
    destination,
  );
}
