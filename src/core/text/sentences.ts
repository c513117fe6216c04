import type { Span } from '../model/document';

/**
 * Split biomedical text into sentences, returning their spans (relative to `text`, end-exclusive,
 * leading/trailing whitespace excluded). PLACEHOLDER: replaced by the real splitter.
 */
export function splitSentences(text: string): Span[] {
  const out: Span[] = [];
  const re = /[^.!?]+[.!?]*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const raw = m[0];
    const lead = raw.length - raw.trimStart().length;
    const body = raw.trim();
    if (body) out.push({ start: m.index + lead, end: m.index + lead + body.length });
  }
  return out;
}
