// BM25 over passages (chunks). An inverted index maps each term to the chunks containing it;
// a query only touches the postings of its own terms, so cost grows with matches, not corpus.
import type { Application, Chunk } from '../state/model.js';
import { tokenize } from './tokenize.js';

const K1 = 1.2;
const B = 0.75;

interface Postings {
  chunks: Int32Array;
  tfs: Uint16Array;
}

export interface Hit {
  chunk: number;
  score: number;
  /** Fraction of distinct query terms present in the chunk. */
  coverage: number;
}

export interface SearchIndex {
  chunks: Chunk[];
  /** Hits for every chunk containing at least one query term, unordered. */
  score(query: string): Hit[];
}

export interface SearchIndexes {
  forApp(app: Application): SearchIndex;
}

export function createSearchIndexes(): SearchIndexes {
  const byApp = new WeakMap<Application, { chunks: Chunk[]; index: SearchIndex }>();
  return {
    forApp(app) {
      const cached = byApp.get(app);
      if (cached && cached.chunks === app.chunks) return cached.index;
      const index = buildIndex(app);
      byApp.set(app, { chunks: app.chunks, index });
      return index;
    },
  };
}

export function buildIndex(app: Application): SearchIndex {
  const n = app.chunks.length;
  const lengths = new Float64Array(n);
  const building = new Map<string, { chunks: number[]; tfs: number[] }>();
  app.chunks.forEach((chunk, i) => {
    // The title counts as part of every passage of its document.
    const tokens = [...tokenize(app.docs[chunk.doc]?.title ?? ''), ...tokenize(chunk.text)];
    lengths[i] = tokens.length;
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    for (const [term, count] of tf) {
      let p = building.get(term);
      if (!p) building.set(term, (p = { chunks: [], tfs: [] }));
      p.chunks.push(i);
      p.tfs.push(Math.min(count, 65535));
    }
  });
  const postings = new Map<string, Postings>();
  for (const [term, p] of building) postings.set(term, { chunks: Int32Array.from(p.chunks), tfs: Uint16Array.from(p.tfs) });
  const avgLength = n === 0 ? 1 : lengths.reduce((a, b) => a + b, 0) / n || 1;
  const scores = new Float64Array(n);
  const matched = new Uint8Array(n);

  return {
    chunks: app.chunks,
    score(query) {
      const terms = [...new Set(tokenize(query))];
      const touched: number[] = [];
      for (const term of terms) {
        const p = postings.get(term);
        if (!p) continue;
        const idf = Math.log(1 + (n - p.chunks.length + 0.5) / (p.chunks.length + 0.5));
        for (let j = 0; j < p.chunks.length; j++) {
          const c = p.chunks[j] as number;
          const tf = p.tfs[j] as number;
          if (matched[c] === 0) touched.push(c);
          matched[c] = (matched[c] as number) + 1;
          scores[c] = (scores[c] as number) + idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * (lengths[c] as number) / avgLength));
        }
      }
      const hits = touched.map((c) => ({ chunk: c, score: scores[c] as number, coverage: (matched[c] as number) / terms.length }));
      for (const c of touched) {
        scores[c] = 0;
        matched[c] = 0;
      }
      return hits;
    },
  };
}
