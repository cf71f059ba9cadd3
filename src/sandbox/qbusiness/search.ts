// SearchRelevantContent: who may call (identity-enhanced session of the data accessor's role
// carrying the matching tenant tag), then BM25 ranking restricted to what the user may see,
// the data accessor's filterConfiguration and the request's attributeFilter.
import type { SandboxContext } from '../context.js';
import { TENANT_TAG, type Application, type Caller, type Chunk, type DataAccessor, type Doc, type IdcUser, type Session } from '../state/model.js';
import { ServiceError } from '../errors.js';
import { sha256Hex } from '../util.js';
import type { AttributeFilter } from './attributes.js';
import { matches } from './filter.js';
import { accessDenied, notFound, validationError } from './errors.js';
import type { SrcInput } from './validate-src.js';
import type { Hit, TopHits } from './search-index.js';

export function searchRelevantContent(ctx: SandboxContext, caller: Caller, region: string, input: SrcInput) {
  const app = ctx.world.applications.get(input.applicationId);
  if (!app || app.region !== region) throw notFound('Application', input.applicationId);
  const { session, da } = authorize(caller, app);
  if (!app.retrievers.has(input.retrieverId)) throw notFound('Retriever', input.retrieverId);
  if (!ctx.throttles.take(da.id)) throw new ServiceError('ThrottlingException', 429, `Rate exceeded for data accessor ${da.id}.`);
  const user = app.instance.users.find((u) => u.id === session.identity?.userId);
  if (!user) throw accessDenied(`The Identity Center user in this session no longer exists in ${app.instance.identityStoreId}.`);
  if (!user.licensed)
    throw new ServiceError('LicenseNotFoundException', 400, `User ${user.userName} has no active Amazon Q Business subscription for application ${app.id}.`);

  const filters = [da.actionConfigurations[0]?.filterConfiguration?.documentAttributeFilter, input.attributeFilter].filter(
    (f): f is AttributeFilter => f !== undefined,
  );
  const fingerprint = sha256Hex(JSON.stringify([input.queryText, input.retrieverId, input.attributeFilter ?? null, user.id, da.id]));
  const offset = input.nextToken === undefined ? 0 : openPageToken(ctx, input.nextToken, fingerprint);
  const ranked = rank(app, user, filters, input.queryText, offset + input.maxResults);
  const page = ranked.hits.slice(offset);
  const top = ranked.best || 1;
  const end = offset + page.length;
  return {
    output: {
      relevantContent: page.map((h) => toResult(app, h, top)),
      ...(end < ranked.total ? { nextToken: ctx.sealer.seal('src-page', { o: end, f: fingerprint }) } : {}),
    },
    detail: { applicationId: app.id, dataAccessorId: da.id, externalId: da.externalId, user: user.userName, results: page.length, total: ranked.total },
  };
}

function authorize(caller: Caller, app: Application): { session: Session; da: DataAccessor } {
  const denied = (why: string) =>
    accessDenied(`User: ${caller.arn} is not authorized to perform: qbusiness:SearchRelevantContent on resource: ${app.arn} ${why}`);
  if (caller.kind !== 'session') throw denied('because no resource-based policy allows the qbusiness:SearchRelevantContent action');
  const session = caller.session;
  const candidates = [...app.dataAccessors.values()].filter((d) => d.principal === session.role.arn);
  if (candidates.length === 0) throw denied('because no resource-based policy allows the qbusiness:SearchRelevantContent action');
  const da = candidates.find((d) => d.externalId === session.externalId);
  if (!da) {
    throw denied(
      session.externalId === undefined
        ? `because the session has no ${TENANT_TAG} tag`
        : `because the session tag ${TENANT_TAG}='${session.externalId}' matches no data accessor's external id`,
    );
  }
  if (!session.identity) throw denied('because the session is not identity-enhanced (AssumeRole with ProvidedContexts from CreateTokenWithIAM is required)');
  if (session.identity.instanceArn !== app.instance.instanceArn)
    throw denied(`because the session's identity context is from another Identity Center instance`);
  if (!session.role.permissions.has('qbusiness:SearchRelevantContent'))
    throw denied('because no identity-based policy allows the qbusiness:SearchRelevantContent action');
  return { session, da };
}

function rank(app: Application, user: IdcUser, filters: AttributeFilter[], query: string, k: number): TopHits {
  const index = app.index;
  const emails = user.emails.map((e) => e.toLowerCase());
  const groups = user.groups.map((g) => g.toLowerCase());
  // Visibility depends only on the user and the filters, so it is computed once per pair and cached.
  const visible = index.visibility(`${user.id}\n${emails.join(',')}\n${groups.join(',')}\n${JSON.stringify(filters)}`, (docIndex) => {
    const doc = app.docs[docIndex] as Doc;
    return mayRead(doc, emails, groups) && filters.every((f) => matches(f, doc.attributeMap));
  });
  return index.top(query, k, visible);
}

function mayRead(doc: Doc, emails: string[], groups: string[]): boolean {
  const acl = doc.acl;
  if (acl === null) return true;
  return emails.some((e) => acl.users.has(e)) || groups.some((g) => acl.groups.has(g));
}

function openPageToken(ctx: SandboxContext, token: string, fingerprint: string): number {
  const page = ctx.sealer.open<{ o: number; f: string }>('src-page', token);
  if (!page || page.f !== fingerprint) {
    throw validationError([{ name: 'nextToken', message: 'is invalid or does not belong to this query' }]);
  }
  return page.o;
}

function toResult(app: Application, hit: Hit, top: number) {
  const chunk = app.chunks[hit.chunk] as Chunk;
  const doc = app.docs[chunk.doc] as Doc;
  return {
    content: chunk.text,
    documentId: doc.id,
    documentTitle: doc.title,
    documentUri: doc.uri,
    documentAttributes: doc.attributes,
    scoreAttributes: { scoreConfidence: confidence(hit, top) },
  };
}

/** Blend of query-term coverage and score relative to the best hit. */
function confidence(hit: Hit, top: number): string {
  const c = 0.5 * hit.coverage + 0.5 * (hit.score / top);
  if (c >= 0.85) return 'VERY_HIGH';
  if (c >= 0.65) return 'HIGH';
  if (c >= 0.45) return 'MEDIUM';
  return 'LOW';
}
