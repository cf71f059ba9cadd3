// JSON logs (pino). Secrets are redacted by key wherever they appear, so a careless
// `log.info({ body })` cannot leak a token, password, assertion or AWS credential.
import { pino, type Logger, type DestinationStream } from 'pino';

export const REDACTED_KEYS = [
  'password', 'newPassword', 'passwordHash', 'client_secret', 'clientSecret', 'secret', 'secretHash',
  'token', 'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token',
  'assertion', 'userToken', 'authorization', 'cookie', 'set-cookie',
  'SecretAccessKey', 'secretAccessKey', 'SessionToken', 'sessionToken', 'AccessKeyId', 'accessKeyId',
  'credentials', 'ContextAssertion', 'identityContext', 'privateEnc', 'SECRET_KEY', 'code', 'code_verifier',
];

export type { Logger };

/**
 * Buffered stdout: a synchronous write per log line put a syscall on every request's
 * path. pino flushes the buffer synchronously on process exit (process.exit included).
 */
export const bufferedStdout = (): DestinationStream => pino.destination({ dest: 1, sync: false, minLength: 4096 });

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const paths = REDACTED_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `req.headers.${k}`]);
  return pino({ level, redact: { paths, censor: '[redacted]' }, base: undefined }, destination);
}
