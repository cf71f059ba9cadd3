// The JSON body reader of the API: it takes small JSON documents only, so the bounded
// reader of src/http/form.ts (413 beyond the limit) protects memory and no body-parser
// package is needed.
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { readRaw } from '../../http/form.js';

export const MAX_BODY_BYTES = 64 * 1024;

export async function readJson(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(ctx.get('content-type'))) {
    throw new AppError('unsupported_media_type', 415, 'Send the request body as application/json.');
  }
  const text = await readRaw(ctx, limit);
  if (text.trim() === '') throw new AppError('invalid_json', 400, 'The request body is empty; send a JSON object.');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new AppError('invalid_json', 400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
}
