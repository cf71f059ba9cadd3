// awsQuery responses: XML with the result under `<Op>Result`, errors in an `ErrorResponse`
// envelope (the JS SDK only recognises codes found at ErrorResponse/Error/Code).
import type { SandboxResponse } from '../http/request.js';

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const escapeXml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Nested objects become nested elements; strings and numbers become text. */
function toXml(obj: Record<string, unknown>): string {
  let out = '';
  for (const [key, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue;
    out += typeof value === 'object' ? `<${key}>${toXml(value as Record<string, unknown>)}</${key}>` : `<${key}>${escapeXml(String(value))}</${key}>`;
  }
  return out;
}

export function xmlSuccess(operation: string, result: Record<string, unknown>, requestId: string): SandboxResponse {
  const body =
    `<${operation}Response xmlns="${NS}"><${operation}Result>${toXml(result)}</${operation}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}

export function xmlError(status: number, code: string, message: string, requestId: string): SandboxResponse {
  const body =
    `<ErrorResponse xmlns="${NS}"><Error><Type>${status >= 500 ? 'Receiver' : 'Sender'}</Type>` +
    `<Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
}
