// A bounded JSON body reader: the API takes small JSON documents only, so a fixed
// limit protects memory and no body-parser package is needed.
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';

export const MAX_BODY_BYTES = 64 * 1024;

export async function readJson(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = ctx.get('content-type');
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(type)) {
    throw new AppError('unsupported_media_type', 415, 'Send the request body as application/json.');
  }
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw tooLarge(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge(limit);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') throw new AppError('invalid_json', 400, 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_json', 400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

const tooLarge = (limit: number) => new AppError('payload_too_large', 413, `The request body exceeds ${limit} bytes.`);
