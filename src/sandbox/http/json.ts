// JSON responses for the restJson1 / awsJson1_1 services. Errors carry `x-amzn-ErrorType`,
// which is where the JS SDK looks first for the error code.
import type { SandboxResponse } from './request.js';

export function jsonResponse(status: number, body: unknown, requestId: string, errorType?: string, contentType = 'application/json'): SandboxResponse {
  const headers: Record<string, string> = { 'content-type': contentType, 'x-amzn-requestid': requestId };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(body) };
}

export function parseJsonBody(body: Buffer): { ok: true; value: Record<string, unknown> } | { ok: false } {
  if (body.length === 0) return { ok: true, value: {} };
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return { ok: true, value: value as Record<string, unknown> };
    return { ok: false };
  } catch {
    return { ok: false };
  }
}
