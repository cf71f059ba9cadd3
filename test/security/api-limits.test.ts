// Items 9 and 10 of issue 9: hostile search bodies are refused with a 400 problem (never a
// 500), and every unknown path or wrong method under /api/v1 answers problem+json.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrokerHarness, type Harness } from '../helpers/broker-harness.js';

let h: Harness;
let token: string;
let tenant: string;

before(async () => {
  h = await startBrokerHarness();
  tenant = await h.addTenant({});
  ({ token } = await h.addService([tenant], ['search', 'admin']));
});
after(() => h.close());

const leaf = { equalsTo: { name: 'dept', value: { stringValue: 'x' } } };
const nested = (levels: number, via: 'notFilter' | 'andAllFilters') => {
  let f: Record<string, unknown> = leaf;
  for (let i = 1; i < levels; i++) f = via === 'notFilter' ? { notFilter: f } : { andAllFilters: [f] };
  return f;
};
const search = (body: unknown) => h.api('POST', `/api/v1/tenants/${tenant}/search`, { token, body });
const searchRaw = (raw: string) => h.api('POST', `/api/v1/tenants/${tenant}/search`, { token, raw });

function assertProblem(res: { status: number; headers: Headers; body: any }, status: number, code: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/);
  assert.equal(res.body.code, code);
}

/** The JSON text of a filter nested `levels` deep (built as text: JSON.stringify itself recurses). */
const nestedText = (levels: number, via: 'notFilter' | 'andAllFilters') => {
  const [open, close] = via === 'notFilter' ? ['{"notFilter":', '}'] : ['{"andAllFilters":[', ']}'];
  return `{"queryText":"q","user":{"id":"u"},"attributeFilter":${open.repeat(levels - 1)}${JSON.stringify(leaf)}${close.repeat(levels - 1)}}`;
};

test('a filter nested 2,500 levels (or 11) is a 400 problem; 10 levels pass validation', async () => {
  for (const via of ['notFilter', 'andAllFilters'] as const) {
    assertProblem(await searchRaw(nestedText(2500, via)), 400, 'body_too_complex');
    const eleven = await search({ queryText: 'q', user: { id: 'u' }, attributeFilter: nested(11, via) });
    assertProblem(eleven, 400, 'validation_failed');
    assert.match(eleven.body.detail, /attributeFilter: must not nest more than 10 levels/);
    // Ten levels are valid: the request gets past validation (to the user lookup).
    const ten = await search({ queryText: 'q', user: { id: 'u' }, attributeFilter: nested(10, via) });
    assert.notEqual(ten.body.code, 'validation_failed', JSON.stringify(ten.body));
    assert.notEqual(ten.body.code, 'body_too_complex');
    assert.ok(ten.status < 500, JSON.stringify(ten.body));
  }
});

test('wide filters and long lists are bounded', async () => {
  const wide = { orAllFilters: Array.from({ length: 51 }, () => leaf) };
  assertProblem(await search({ queryText: 'q', user: { id: 'u' }, attributeFilter: wide }), 400, 'validation_failed');
  const list = { containsAny: { name: 'groups', value: { stringListValue: Array.from({ length: 501 }, (_, i) => `g${i}`) } } };
  assertProblem(await search({ queryText: 'q', user: { id: 'u' }, attributeFilter: list }), 400, 'validation_failed');
});

test('hostile JSON text never crashes or hangs the parser', async () => {
  const deepArrays = '['.repeat(30_000) + ']'.repeat(30_000);
  assertProblem(await searchRaw(deepArrays), 400, 'body_too_complex');
  assertProblem(await searchRaw(`{"queryText":${'['.repeat(20_000)}`), 400, 'invalid_json');
  assertProblem(await searchRaw(String.raw`{"queryText":"\u0000\ud800","user":{"id":"u"},"__proto__":{"admin":true}}`), 400, 'validation_failed');
  assertProblem(await searchRaw(`"${'a'.repeat(70 * 1024)}"`), 413, 'payload_too_large');
});

test('unknown /api/v1 paths answer a problem+json 404', async () => {
  for (const path of ['/api/v1', '/api/v1/', '/api/v1/nope', '/api/v1/tenants', '/api/v1/tenants/x/search/more', '/api/v1/admin/tenants/a/b/c']) {
    const res = await h.api('GET', path, { token });
    assertProblem(res, 404, 'not_found');
  }
  assertProblem(await h.api('DELETE', '/api/v1/nope'), 404, 'not_found');
});

test('a wrong method answers a problem+json 405 with Allow', async () => {
  const cases: [string, string, string][] = [
    ['GET', `/api/v1/tenants/${tenant}/search`, 'POST'],
    ['DELETE', '/api/v1/admin/tenants', 'GET, HEAD, POST'],
    ['PUT', `/api/v1/admin/tenants/${tenant}`, 'GET, HEAD, PATCH'],
    ['POST', '/api/v1/openapi.json', 'GET, HEAD'],
  ];
  for (const [method, path, allow] of cases) {
    const res = await h.api(method, path, { token });
    assertProblem(res, 405, 'method_not_allowed');
    assert.equal(res.headers.get('allow'), allow, `${method} ${path}`);
  }
});
