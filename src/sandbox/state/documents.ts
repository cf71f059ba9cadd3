// Turns fixture documents into the searchable model: ACL sets, wire attributes and passages.
import type { ApplicationFixture } from '../fixture/types.js';
import type { Chunk, Doc } from './model.js';
import { fromFixtureValue, type AttributeValue, type DocumentAttribute } from '../qbusiness/attributes.js';
import { chunkText } from '../qbusiness/chunk.js';

export function buildDocs(app: ApplicationFixture, dataSourceId: string): { docs: Doc[]; chunks: Chunk[] } {
  const docs: Doc[] = [];
  const chunks: Chunk[] = [];
  for (const d of app.documents) {
    const uri = d.uri ?? `https://docs.example.com/${encodeURIComponent(d.id)}`;
    const attributes: DocumentAttribute[] = Object.entries(d.attributes ?? {}).map(([name, value]) => ({
      name,
      value: fromFixtureValue(value, `document ${d.id} attribute ${name}`),
    }));
    // Q Business adds these reserved attributes to every indexed document.
    attributes.push({ name: '_source_uri', value: { stringValue: uri } });
    attributes.push({ name: '_data_source_id', value: { stringValue: dataSourceId } });
    const attributeMap = new Map<string, AttributeValue>(attributes.map((a) => [a.name, a.value]));
    const index = docs.length;
    docs.push({
      id: d.id,
      title: d.title,
      uri,
      acl: d.acl
        ? {
            users: new Set((d.acl.users ?? []).map((u) => u.toLowerCase())),
            groups: new Set((d.acl.groups ?? []).map((g) => g.toLowerCase())),
          }
        : null,
      attributes,
      attributeMap,
    });
    for (const text of chunkText(d.content)) chunks.push({ doc: index, text });
  }
  return { docs, chunks };
}
