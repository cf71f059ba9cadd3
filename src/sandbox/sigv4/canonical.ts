// The SigV4 canonical request, rebuilt from the request as received, exactly as
// @smithy/signature-v4 builds it on the client side (path normalised then URI-escaped again,
// query sorted, signed headers trimmed and whitespace-collapsed).
import { createHmac } from 'node:crypto';
import type { SandboxRequest } from '../http/request.js';
import { sha256Hex } from '../util.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

const escapeUri = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment.length === 0 || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return escapeUri(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string): string {
  if (!rawQuery) return '';
  const pairs: [string, string][] = [];
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decodeURIComponent(eq === -1 ? part : part.slice(0, eq));
    const value = eq === -1 ? '' : decodeURIComponent(part.slice(eq + 1));
    if (key.toLowerCase() === 'x-amz-signature') continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Over HTTP/2 the client signs `:authority`; an HTTP/1.1 client signs `host`. Accept either. */
function headerValue(req: SandboxRequest, name: string): string | undefined {
  const direct = req.headers[name];
  if (direct !== undefined) return direct;
  if (name === 'host') return req.headers[':authority'];
  if (name === ':authority') return req.headers['host'];
  return undefined;
}

export function canonicalRequest(req: SandboxRequest, signedHeaders: string[]): string | undefined {
  const lines: string[] = [];
  for (const name of signedHeaders) {
    const value = headerValue(req, name);
    if (value === undefined) return undefined;
    lines.push(
      `${name}:${value
        .replace(/[\r\n]/g, ' ')
        .replace(/[ \t]+/g, ' ')
        .replace(/^ | $/g, '')}`,
    );
  }
  // The body's own hash, never the client's x-amz-content-sha256 claim: only then is the
  // body bound to the signature (a same-length body swapped after signing must fail).
  const payloadHash = req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
  return [req.method, canonicalPath(req.path), canonicalQuery(req.rawQuery), `${lines.join('\n')}\n`, signedHeaders.join(';'), payloadHash].join('\n');
}

/** kSigning = HMAC chain over date, region, service; cached (per sandbox) because every call repeats it. */
export function signingKey(cache: Map<string, Buffer>, secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = cache.get(cacheKey);
  if (!key) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    key = createHmac('sha256', kService).update('aws4_request').digest();
    if (cache.size > 1000) cache.clear();
    cache.set(cacheKey, key);
  }
  return key;
}
