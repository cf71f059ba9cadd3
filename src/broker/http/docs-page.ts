// The rendered API reference at /api/v1/docs: the OpenAPI document turned into a
// server-rendered page (views/api-docs.njk) with its stylesheet served beside it. No
// scripts and nothing external, so it works offline under a strict CSP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Router from '@koa/router';
import { viewsDir, type Views } from '../../http/views.js';

/** Styles only from the served file; no scripts, frames, forms or other loads (img-src: the empty data: icon, which spares a favicon request). */
export const DOCS_CSP = "default-src 'none'; style-src 'self'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

type Doc = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Plain text with `code` spans, as the document's descriptions are written; escaped first, so safe to emit. */
export const inline = (text: unknown): string => escapeHtml(String(text ?? '')).replace(/`([^`]+)`/g, '<code>$1</code>');
const pretty = (v: unknown) => JSON.stringify(v, null, 2);
const refName = (schema: Doc | undefined) => (typeof schema?.$ref === 'string' ? schema.$ref.split('/').pop() : undefined);

function typeOf(schema: Doc | undefined): string {
  if (!schema) return 'any';
  if (schema.$ref) return refName(schema)!;
  if (schema.enum) return schema.enum.map((v: unknown) => JSON.stringify(v)).join(' | ');
  const t = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type ?? (schema.anyOf ? 'one of several' : 'any');
  return t === 'array' ? `array of ${typeOf(schema.items)}` : t;
}

const examplesOf = (media: Doc | undefined) =>
  Object.entries((media?.examples ?? {}) as Record<string, Doc>).map(([name, ex]) => ({ name, summary: ex.summary ?? name, json: pretty(ex.value) }));

/** Top-level properties, with those of `allOf` members (references resolved in `schemas`). */
function properties(schema: Doc, schemas: Record<string, Doc>): { name: string; type: string; required: boolean; description: string }[] {
  const parts = [schema, ...((schema.allOf ?? []) as Doc[]).map((s) => schemas[refName(s) ?? ''] ?? s)];
  const required = new Set<string>(parts.flatMap((s) => s.required ?? []));
  const props = Object.assign({}, ...parts.map((s) => s.properties ?? {})) as Record<string, Doc>;
  return Object.entries(props).map(([name, p]) => ({
    name, type: typeOf(p), required: required.has(name), description: inline(p.description ?? (p.pattern ? `Pattern: \`${p.pattern}\`` : '')),
  }));
}

/** The view model: tags → operations, then the schemas they refer to. */
export function docsModel(doc: Doc) {
  const scopes = doc.components?.securitySchemes?.serviceToken?.flows?.clientCredentials?.scopes ?? {};
  const ops: Doc[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Doc>)) {
    for (const method of METHODS.filter((m) => item[m])) {
      const op = item[method];
      const body = op.requestBody?.content?.['application/json'];
      const auth = (op.security ?? doc.security ?? []).flatMap((s: Doc) => Object.entries(s).map(([scheme, sc]) => ({ scheme, scopes: (sc as string[]).map((n) => ({ name: n, text: scopes[n] })) })));
      ops.push({
        id: op.operationId, tag: op.tags?.[0] ?? 'Other', method: method.toUpperCase(), path, summary: op.summary, description: inline(op.description), auth,
        parameters: (op.parameters ?? []).map((p: Doc) => ({ name: p.name, in: p.in, required: Boolean(p.required), type: typeOf(p.schema), description: inline(p.description), example: p.example })),
        body: body && { description: inline(op.requestBody.description), schema: refName(body.schema), examples: examplesOf(body) },
        responses: Object.entries(op.responses as Record<string, Doc>).map(([status, r]) => {
          const [type, media] = (Object.entries(r.content ?? {})[0] ?? []) as [string | undefined, Doc | undefined];
          return {
            status, description: inline(r.description), type, schema: refName(media?.schema), examples: examplesOf(media),
            headers: Object.entries((r.headers ?? {}) as Record<string, Doc>).map(([name, h]) => ({ name, description: inline(h.description) })),
          };
        }),
      });
    }
  }
  const tags = ((doc.tags ?? []) as Doc[]).map((t) => ({ name: t.name, anchor: `tag-${t.name.toLowerCase()}`, description: inline(t.description), operations: ops.filter((o) => o.tag === t.name) }));
  const all = (doc.components?.schemas ?? {}) as Record<string, Doc>;
  const schemas = Object.entries(all).map(([name, s]) => ({
    name, description: inline(s.description), properties: properties(s, all), json: pretty(s),
  }));
  const security = Object.entries((doc.components?.securitySchemes ?? {}) as Record<string, Doc>).map(([name, s]) => ({
    name, description: inline(s.description), tokenUrl: s.flows?.clientCredentials?.tokenUrl, scopes: Object.entries(scopes).map(([n, text]) => ({ name: n, text })),
  }));
  return { info: { ...doc.info, description: inline(doc.info?.description) }, servers: doc.servers ?? [], tags, schemas, security, operationCount: ops.length };
}

/** Mounts GET /docs (the page) and GET /docs/docs.css on the API router. */
export function mountDocs(router: Router, views: Views, doc: Doc): void {
  const model = docsModel(doc);
  const css = readFileSync(join(viewsDir(), 'api-docs.css'), 'utf8');
  router.get('/docs', (ctx) => {
    views.render(ctx, 'api-docs', model, { csp: DOCS_CSP });
  });
  router.get('/docs/docs.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = css;
  });
}
