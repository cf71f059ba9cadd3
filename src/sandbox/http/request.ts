// A protocol-neutral view of one request, read fully into memory (bodies are small JSON/form).
import type http from 'node:http';
import type http2 from 'node:http2';
import { BodyTooLargeError, readBounded } from '../../http/form.js';

export interface SandboxRequest {
  method: string;
  /** Path exactly as sent on the wire (still percent-encoded), without the query. */
  path: string;
  rawQuery: string;
  query: URLSearchParams;
  /** Lower-case names; HTTP/2 pseudo-headers such as `:authority` included. */
  headers: Record<string, string>;
  body: Buffer;
  /** The body was over MAX_BODY_BYTES: it was dropped (body is empty) and the service answers 413. */
  bodyTooLarge?: boolean;
}

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const MAX_BODY_BYTES = 1024 * 1024;

export async function readRequest(req: http.IncomingMessage | http2.Http2ServerRequest): Promise<SandboxRequest> {
  let body: Buffer;
  let bodyTooLarge = false;
  try {
    body = await readBounded(req, MAX_BODY_BYTES);
  } catch (e) {
    if (!(e instanceof BodyTooLargeError)) throw e;
    body = Buffer.alloc(0);
    bodyTooLarge = true;
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawQuery = q === -1 ? '' : url.slice(q + 1);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q === -1 ? url : url.slice(0, q),
    rawQuery,
    query: new URLSearchParams(rawQuery),
    headers,
    body,
    ...(bodyTooLarge ? { bodyTooLarge } : {}),
  };
}
