// The OpenAPI document without a server: every operation is described (what Redocly's
// recommended-strict ruleset asks, checked in full by `npm run lint:openapi` in CI), every
// example validates against its schema, request examples also pass the zod schemas the
// routes validate with, and the document lists exactly the routes the router serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { buildOpenApi } from '../../src/broker/http/openapi.js';
import { createBrokerRouter } from '../../src/broker/http/router.js';
import { checkBodySchema, searchBodySchema } from '../../src/broker/http/schemas.js';
import { createViews } from '../../src/http/views.js';

type Doc = Record<string, any>;
const doc = buildOpenApi('https://idp.acme.example') as Doc;
const METHODS = ['get', 'put', 'post', 'patch', 'delete'];
const operations = Object.entries(doc.paths as Doc).flatMap(([path, item]) =>
  METHODS.filter((m) => item[m]).map((method) => ({ path, method, op: item[method] as Doc })),
);

// JSON Schema → zod (z.fromJSONSchema), with the document's component references as $defs.
const toDefs = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll('#/components/schemas/', '#/$defs/'));
const defs = toDefs(doc.components.schemas);
function validate(schema: unknown, value: unknown): string | undefined {
  const r = z.fromJSONSchema({ ...toDefs(schema), $defs: defs }).safeParse(value);
  return r.success ? undefined : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
}

/** Every example of the document: [where, schema, value]. */
function allExamples(): [string, unknown, unknown][] {
  const out: [string, unknown, unknown][] = [];
  const media = (where: string, content: Doc | undefined) => {
    for (const [type, m] of Object.entries(content ?? {}) as [string, Doc][]) {
      for (const [name, ex] of Object.entries((m.examples ?? {}) as Doc)) out.push([`${where} ${type} example ${name}`, m.schema, ex.value]);
    }
  };
  for (const { path, method, op } of operations) {
    const at = `${method.toUpperCase()} ${path}`;
    for (const p of op.parameters ?? []) if (p.example !== undefined) out.push([`${at} parameter ${p.name}`, p.schema, p.example]);
    media(`${at} request`, op.requestBody?.content);
    for (const [status, r] of Object.entries(op.responses as Doc)) {
      media(`${at} ${status}`, r.content);
      for (const [name, h] of Object.entries((r.headers ?? {}) as Doc))
        if (h.example !== undefined) out.push([`${at} ${status} header ${name}`, h.schema, h.example]);
    }
  }
  return out;
}

test('every operation has an operationId, summary, description, a described tag, and 2xx and error responses', () => {
  const tags = new Map((doc.tags as Doc[]).map((t) => [t.name, t.description]));
  assert.equal(operations.length, 33); // admin API, upstreams, connect (authorization-code tenants)
  const ids = operations.map((o) => o.op.operationId);
  assert.equal(new Set(ids).size, ids.length, 'operationIds are unique');
  for (const { path, method, op } of operations) {
    const at = `${method} ${path}`;
    assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, at);
    assert.ok(op.summary?.length > 5, `${at} summary`);
    assert.ok(op.description?.length > 20, `${at} description`);
    assert.equal(op.tags?.length, 1, `${at} tags`);
    assert.ok(tags.get(op.tags[0]), `${at}: tag ${op.tags[0]} is declared with a description`);
    const statuses = Object.keys(op.responses);
    assert.ok(
      statuses.some((s) => s.startsWith('2')),
      `${at} 2xx`,
    );
    assert.ok(
      statuses.some((s) => /^[45]/.test(s)),
      `${at} error response`,
    );
    for (const p of op.parameters ?? []) assert.ok(p.description && p.schema, `${at} parameter ${p.name} is described`);
    assert.equal(op.security.length, 1, `${at} security`);
    for (const s of ['401', '403', '503']) assert.ok(op.responses[s], `${at} answers ${s}`);
    if (op.requestBody) for (const s of ['400', '413', '415']) assert.ok(op.responses[s], `${at} with a body answers ${s}`);
    if (path.includes('{tenantId}')) assert.ok(op.responses['404'], `${at} names a tenant: 404`);
  }
  assert.ok(doc.components.securitySchemes.serviceToken.description);
  assert.equal(doc.components.securitySchemes.serviceToken.flows.clientCredentials.tokenUrl, 'https://idp.acme.example/token');
  assert.deepEqual(doc.servers, [{ url: 'https://idp.acme.example', description: 'This service (its issuer URL)' }]);
});

test('problem responses: the Problem schema, one example per code with the status it is listed under, Retry-After on 429 and 503', () => {
  let count = 0;
  const codes = new Set<string>();
  for (const { path, method, op } of operations) {
    for (const [status, r] of Object.entries(op.responses as Doc)) {
      if (!/^[45]/.test(status)) continue;
      const media = r.content['application/problem+json'];
      assert.equal(media.schema.$ref, '#/components/schemas/Problem', `${method} ${path} ${status}`);
      for (const [code, ex] of Object.entries(media.examples as Doc)) {
        count++;
        codes.add(code);
        assert.equal(ex.value.status, Number(status), `${code} under ${status}`);
        assert.equal(ex.value.code, code);
        assert.equal(ex.value.type, `urn:tti-bridge:problem:${code}`);
        assert.ok(ex.value.detail.length > 10 && ex.summary, code);
      }
      if (status === '429' || status === '503') assert.ok(r.headers['Retry-After'], `${method} ${path} ${status} Retry-After`);
    }
  }
  assert.ok(count > 40);
  // Every code the document shows is in the error table of docs/broker.md.
  const table = readFileSync('docs/broker.md', 'utf8').split('\n## Errors')[1]!;
  for (const code of codes) assert.ok(table.includes(`\`${code}\``), `${code} is in docs/broker.md's error table`);
  const search = doc.paths['/api/v1/tenants/{tenantId}/search'].post.responses;
  for (const s of ['400', '401', '403', '404', '409', '413', '415', '429', '502', '503']) assert.ok(search[s], `search answers ${s}`);
  assert.equal(search['503'].content['application/problem+json'].examples.service_unavailable.value.retryAfter, 5);
});

test("every example validates against its schema; request examples pass the routes' own validation", () => {
  const examples = allExamples();
  assert.ok(examples.length > 60, `${examples.length} examples`);
  for (const [where, schema, value] of examples) assert.equal(validate(schema, value), undefined, where);
  const bodies = (path: string, method: string) =>
    Object.values(doc.paths[path][method].requestBody.content['application/json'].examples as Doc).map((e) => e.value);
  for (const body of bodies('/api/v1/tenants/{tenantId}/search', 'post')) assert.ok(searchBodySchema.safeParse(body).success, JSON.stringify(body));
  for (const body of bodies('/api/v1/admin/tenants/{tenantId}/check', 'post')) assert.ok(checkBodySchema.safeParse(body).success, JSON.stringify(body));
});

test('the validator catches a wrong example (the check above can fail)', () => {
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  assert.match(validate(ref('SearchRequest'), { queryText: 'x', user: { id: 'u' }, maxResults: 'ten' }) ?? '', /maxResults/);
  assert.ok(validate(ref('SearchRequest'), { queryText: 'x', user: { id: 'u' }, extra: true }));
  assert.ok(validate(ref('Tenant'), { id: 'acme', name: 'Acme', status: 'archived', missingDetails: [] }));
  assert.ok(validate(ref('Problem'), { type: 'urn:x', title: 'X', status: 400, detail: 'x' }), 'code is required');
  assert.equal(validate(ref('SearchResponse'), { results: [], nextToken: null }), undefined);
});

test('the document lists exactly the routes the API router serves', () => {
  const router = createBrokerRouter({ broker: {} as never, views: createViews(), onboardingLinks: {} as never, upstreams: {} as never, admin: {} as never });
  const served = new Set(
    router.stack
      .filter((l) => l.methods.length && !String(l.path).endsWith('{/*rest}'))
      .flatMap((l) => l.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(l.path).replace(/:(\w+)/g, '{$1}')}`)),
  );
  // The reference itself (described in info.description): the document, its page and the page's stylesheet.
  for (const self of ['/openapi.json', '/docs', '/docs/docs.css']) served.delete(`GET /api/v1${self}`);
  const documented = new Set(operations.map((o) => `${o.method.toUpperCase()} ${o.path}`));
  assert.deepEqual([...documented].sort(), [...served].sort());
});
