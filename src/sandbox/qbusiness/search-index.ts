// BM25 over passages (chunks). An inverted index maps each term to the chunks containing it;
// a query only touches the postings of its own terms, so cost grows with matches, not corpus.
import type { Chunk, Doc } from '../state/model.js';
import { tokenize } from './tokenize.js';

const K1 = 1.2;
const B = 0.75;

interface Postings {
  chunks: Int32Array;
  /** BM25 contribution of the term to each chunk, precomputed (idf, tf and length are fixed). */
  weights: Float64Array;
}

export interface Hit {
  chunk: number;
  score: number;
  /** Fraction of distinct query terms present in the chunk. */
  coverage: number;
}

export interface TopHits {
  /** The best `k` accepted hits, best first (ties: earlier passage first). */
  hits: Hit[];
  /** Number of accepted chunks matching the query. */
  total: number;
  /** Best accepted score (for relative confidence). */
  best: number;
}

export interface SearchIndex {
  /** Ranks chunks containing a query term whose document is visible (1); keeps the top `k`. */
  top(query: string, k: number, visible: Int8Array): TopHits;
  /** Per-document visibility (1 / -1) for one user and filter set, cached under `key`. */
  visibility(key: string, visible: (doc: number) => boolean): Int8Array;
}

/** Built once per application, with it (its documents and passages never change). */
export function buildIndex(app: { docs: Doc[]; chunks: Chunk[] }): SearchIndex {
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
      if (!p) {
        p = { chunks: [], tfs: [] };
        building.set(term, p);
      }
      p.chunks.push(i);
      p.tfs.push(Math.min(count, 65535));
    }
  });
  const avgLength = n === 0 ? 1 : lengths.reduce((a, b) => a + b, 0) / n || 1;
  const postings = new Map<string, Postings>();
  for (const [term, p] of building) {
    const idf = Math.log(1 + (n - p.chunks.length + 0.5) / (p.chunks.length + 0.5));
    const weights = Float64Array.from(p.chunks, (c, j) => {
      const tf = p.tfs[j] as number;
      return (idf * (tf * (K1 + 1))) / (tf + K1 * (1 - B + (B * (lengths[c] as number)) / avgLength));
    });
    postings.set(term, { chunks: Int32Array.from(p.chunks), weights });
  }
  const chunkDoc = Int32Array.from(app.chunks, (c) => c.doc);
  const scores = new Float64Array(n);
  const matched = new Uint8Array(n);
  const touched = new Int32Array(n);
  const visibilities = new Map<string, Int8Array>();
  const docCount = app.docs.length;

  return {
    visibility(key, visible) {
      let v = visibilities.get(key);
      if (!v) {
        v = new Int8Array(docCount);
        for (let d = 0; d < docCount; d++) v[d] = visible(d) ? 1 : -1;
        if (visibilities.size >= 1000) visibilities.clear();
        visibilities.set(key, v);
      }
      return v;
    },
    top(query, k, visible) {
      const terms = [...new Set(tokenize(query))];
      let count = 0;
      for (const term of terms) {
        const p = postings.get(term);
        if (!p) continue;
        const { chunks, weights } = p;
        for (let j = 0; j < chunks.length; j++) {
          const c = chunks[j] as number;
          if (matched[c] === 0) touched[count++] = c;
          matched[c] = (matched[c] as number) + 1;
          scores[c] = (scores[c] as number) + (weights[j] as number);
        }
      }
      const heap = new TopK(k);
      let total = 0;
      let best = 0;
      for (let i = 0; i < count; i++) {
        const c = touched[i] as number;
        const score = scores[c] as number;
        const hits = matched[c] as number;
        scores[c] = 0;
        matched[c] = 0;
        if (visible[chunkDoc[c] as number] !== 1) continue;
        total++;
        if (score > best) best = score;
        if (heap.wants(score, c)) heap.offer({ chunk: c, score, coverage: hits / terms.length });
      }
      return { hits: heap.sorted(), total, best };
    },
  };
}

/** Bounded min-heap: keeps the k best hits without sorting every match. */
class TopK {
  private readonly items: Hit[] = [];
  constructor(private readonly k: number) {}

  /** a ranks below b: lower score, or same score and later passage. */
  private static worse(a: Hit, b: Hit): boolean {
    return a.score < b.score || (a.score === b.score && a.chunk > b.chunk);
  }

  /** Cheap pre-check so no Hit object is allocated for chunks that would not enter the heap. */
  wants(score: number, chunk: number): boolean {
    const worst = this.items[0];
    return this.k > 0 && (this.items.length < this.k || worst === undefined || worst.score < score || (worst.score === score && worst.chunk > chunk));
  }

  offer(hit: Hit): void {
    const items = this.items;
    if (this.k <= 0) return;
    if (items.length < this.k) {
      items.push(hit);
      let i = items.length - 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopK.worse(items[i] as Hit, items[parent] as Hit)) break;
        [items[i], items[parent]] = [items[parent] as Hit, items[i] as Hit];
        i = parent;
      }
    } else if (TopK.worse(items[0] as Hit, hit)) {
      items[0] = hit;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && TopK.worse(items[l] as Hit, items[m] as Hit)) m = l;
        if (r < items.length && TopK.worse(items[r] as Hit, items[m] as Hit)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m] as Hit, items[i] as Hit];
        i = m;
      }
    }
  }

  sorted(): Hit[] {
    return [...this.items].sort((a, b) => b.score - a.score || a.chunk - b.chunk);
  }
}
