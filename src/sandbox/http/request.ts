// A protocol-neutral view of one request, read fully into memory (bodies are small JSON/form).
import type http from 'node:http';
import type http2 from 'node:http2';

export interface SandboxRequest {
  method: string;
  /** Path exactly as sent on the wire (still percent-encoded), without the query. */
  path: string;
  rawQuery: string;
  query: URLSearchParams;
  /** Lower-case names; HTTP/2 pseudo-headers such as `:authority` included. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface SandboxResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const MAX_BODY = 1024 * 1024;

export async function readRequest(req: http.IncomingMessage | http2.Http2ServerRequest): Promise<SandboxRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? '' : url.slice(q + 1),
    query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
    headers,
    body: Buffer.concat(chunks),
  };
}
