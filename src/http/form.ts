// Small bounded body readers: login and consent forms are tiny, so anything larger is
// refused before it is buffered.
import type { Readable } from 'node:stream';
import type { Context } from 'koa';
import { AppError } from '../shared/errors.js';

/** Raised by readBounded when a body is larger than its limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limitBytes: number) {
    super(`Request body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads a request body of at most `limitBytes`. Past the limit it rejects with BodyTooLargeError
 * at once; the rest of the body is drained and dropped (not buffered), so the caller can still
 * answer on the same connection.
 */
export function readBounded(stream: Readable, limitBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (stream.readableEnded) return resolve(Buffer.alloc(0));
    if (stream.destroyed) return reject(new Error('The request was closed before its body was read'));
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (done: () => void) => {
      if (settled) return;
      settled = true;
      stream.removeListener('data', onData);
      done();
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buf.length;
      if (size <= limitBytes) {
        chunks.push(buf);
        return;
      }
      settle(() => reject(new BodyTooLargeError(limitBytes)));
      stream.resume();
    };
    stream.on('data', onData);
    stream.once('end', () => settle(() => resolve(Buffer.concat(chunks))));
    // Kept after settling, so a late error (client gone while draining) is not unhandled.
    stream.on('error', (e: Error) => settle(() => reject(e)));
    stream.once('close', () => settle(() => reject(new Error('The request was closed before its body was read'))));
  });
}

export async function readRaw(ctx: Context, limitBytes: number): Promise<string> {
  try {
    return (await readBounded(ctx.req, limitBytes)).toString('utf8');
  } catch (e) {
    if (e instanceof BodyTooLargeError) throw new AppError('payload_too_large', 413, `Request body is larger than ${limitBytes} bytes`);
    throw e;
  }
}

export async function readForm(ctx: Context, limitBytes = 16 * 1024): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('unsupported_media_type', 415, 'Send the form as application/x-www-form-urlencoded');
  }
  return Object.fromEntries(new URLSearchParams(await readRaw(ctx, limitBytes)));
}
