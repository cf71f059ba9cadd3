// A Q Business client bound to one user's identity-enhanced credentials. The request
// handler is shared, so a cached user costs a client object, not a connection.
import { QBusinessClient, SearchRelevantContentCommand, type RelevantContent } from '@aws-sdk/client-qbusiness';
import type { NodeHttpHandler, NodeHttp2Handler } from '@smithy/node-http-handler';
import type { AttributeValue, AwsCredentials, Confidence, SearchItem, Searcher, TenantAws } from '../ports.js';
import { awsCall, type CallObserver } from './errors.js';

export function createSearcher(
  t: TenantAws,
  credentials: AwsCredentials,
  opts: { maxAttempts: number; requestHandler: NodeHttpHandler | NodeHttp2Handler; onCall?: CallObserver },
): Searcher {
  const client = new QBusinessClient({
    region: t.qbusinessRegion,
    endpoint: t.qbusinessEndpoint ?? undefined,
    credentials,
    maxAttempts: opts.maxAttempts,
    requestHandler: opts.requestHandler,
  });
  return {
    async search(input) {
      const out = await awsCall(
        'search',
        () =>
          client.send(
            new SearchRelevantContentCommand({
              applicationId: t.qbusinessApplicationId,
              contentSource: { retriever: { retrieverId: t.retrieverId } },
              queryText: input.queryText,
              maxResults: input.maxResults,
              nextToken: input.nextToken,
              attributeFilter: input.attributeFilter as never,
            }),
          ),
        opts.onCall,
      );
      return {
        items: (out.relevantContent ?? []).map(toItem),
        nextToken: out.nextToken ?? null,
        requestId: out.$metadata.requestId,
      };
    },
  };
}

function toItem(r: RelevantContent): SearchItem {
  return {
    content: r.content ?? null,
    documentId: r.documentId ?? null,
    documentTitle: r.documentTitle ?? null,
    documentUri: r.documentUri ?? null,
    documentAttributes: (r.documentAttributes ?? []).map((a) => ({ name: a.name ?? '', value: (a.value ?? {}) as AttributeValue })),
    confidence: (r.scoreAttributes?.scoreConfidence as Confidence | undefined) ?? null,
  };
}
