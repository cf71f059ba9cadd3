// Splits document text into passages. SearchRelevantContent returns passages (at most 2,048
// characters each, the model's `String` limit), not whole documents.
const TARGET_WORDS = 120;
const MAX_CHARS = 2048;

export function chunkText(text: string): string[] {
  const paragraphs = text
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
  const chunks: string[] = [];
  let current: string[] = [];
  let words = 0;
  const flush = () => {
    if (current.length > 0) chunks.push(current.join(' '));
    current = [];
    words = 0;
  };
  for (const paragraph of paragraphs) {
    for (const piece of splitLong(paragraph)) {
      const count = piece.split(' ').length;
      if (words > 0 && (words + count > TARGET_WORDS || current.join(' ').length + piece.length + 1 > MAX_CHARS)) flush();
      current.push(piece);
      words += count;
    }
  }
  flush();
  return chunks;
}

/** Paragraphs longer than one passage are cut on word boundaries. */
function splitLong(paragraph: string): string[] {
  const words = paragraph.split(' ');
  if (words.length <= TARGET_WORDS && paragraph.length <= MAX_CHARS) return [paragraph];
  const out: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const word of words) {
    const w = word.slice(0, MAX_CHARS);
    if (current.length >= TARGET_WORDS || length + w.length + 1 > MAX_CHARS) {
      out.push(current.join(' '));
      current = [];
      length = 0;
    }
    current.push(w);
    length += w.length + 1;
  }
  if (current.length > 0) out.push(current.join(' '));
  return out;
}
