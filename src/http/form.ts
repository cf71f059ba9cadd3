// Small bounded body readers: login and consent forms are tiny, so anything larger is
// refused before it is buffered.
import type { Context } from 'koa';
import { AppError } from '../shared/errors.js';

export async function readRaw(ctx: Context, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new AppError('payload_too_large', 413, `Request body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function readForm(ctx: Context, limitBytes = 16 * 1024): Promise<Record<string, string>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('unsupported_media_type', 415, 'Send the form as application/x-www-form-urlencoded');
  }
  return Object.fromEntries(new URLSearchParams(await readRaw(ctx, limitBytes)));
}
