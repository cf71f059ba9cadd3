// Lower-cased word tokens without common English stop words; shared by indexing and querying.
const STOP = new Set(
  (
    'a an and are as at be but by for from has have in is it its of on or that the this to was were ' +
    'will with what which who how when where why do does can our we you your i me my about into than then there their'
  ).split(' '),
);

export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const match of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = match[0];
    if (!STOP.has(word)) out.push(word);
  }
  return out;
}
