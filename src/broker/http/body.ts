// The JSON body reader of the API: it takes small JSON documents only, so the bounded
// reader of src/http/form.ts (413 beyond the limit) protects memory and no body-parser
// package is needed.
import type { Context } from 'koa';
import { AppError } from '../../shared/errors.js';
import { readRaw } from '../../http/form.js';

export const MAX_BODY_BYTES = 64 * 1024;
/**
 * Deepest JSON nesting any API body may have. The deepest valid body (a search with a filter
 * nested MAX_FILTER_DEPTH levels through arrays) is about 25 levels; the cap keeps schema
 * validation, which recurses, far from the stack limit.
 */
export const MAX_JSON_DEPTH = 40;

/** Nesting depth of a parsed JSON value, walked without recursion (stops once past `limit`). */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

export async function readJson(ctx: Context, limit = MAX_BODY_BYTES): Promise<unknown> {
  if (!/^application\/([\w.+-]+\+)?json\b/i.test(ctx.get('content-type'))) {
    throw new AppError('unsupported_media_type', 415, 'Send the request body as application/json.');
  }
  const text = await readRaw(ctx, limit);
  if (text.trim() === '') throw new AppError('invalid_json', 400, 'The request body is empty; send a JSON object.');
  let body: unknown;
  try {
    body = JSON.parse(text); // V8's parser is iterative: deep input cannot overflow the stack here
  } catch (err) {
    throw new AppError('invalid_json', 400, `The request body is not valid JSON: ${(err as Error).message}`);
  }
  if (depthExceeds(body, MAX_JSON_DEPTH)) throw new AppError('body_too_complex', 400, `The request body nests deeper than ${MAX_JSON_DEPTH} levels.`);
  return body;
}
