/**
 * Document-level consistency for predicted mentions, a decode-time step: the tagger sees one
 * sentence at a time, but a name tagged once in an abstract is the same entity everywhere in it.
 *
 * - Every other occurrence of a predicted mention's exact text (on token boundaries, not
 *   overlapping a prediction) becomes a mention of the same type.
 * - An abbreviation defined in the document (`long form (SF)`, Schwartz–Hearst) whose long form
 *   was predicted as a mention of type X makes every occurrence of SF a mention of type X, and an
 *   SF predicted as X makes its long form (when that is a whole-token span) one too.
 *
 * Texts with more than one predicted type are left alone, and only mentions the tagger predicted
 * with a mean label probability of at least `minScore` seed propagation (chosen on held-out
 * training documents: 0.8 gained 0.9 F1 on BC5CDR held-out documents, no threshold 0.3).
 */
import type { Document } from '../../document/document';
import { nerTokens } from './features';
import { findAbbreviations } from '../normalization/lexicon';
import type { NerType, PredictedMention } from './tags';

/** Default seed threshold (see the module comment). */
export const CONSISTENCY_MIN_SCORE = 0.8;

/** The mentions plus the ones consistency adds (sorted by start); `added` counts them. */
export function propagateMentions(doc: Document, mentions: readonly PredictedMention[], minScore = CONSISTENCY_MIN_SCORE): { mentions: PredictedMention[]; added: number } {
  const out = [...mentions];
  const typeOf = new Map<string, NerType | null>();
  const note = (text: string, t: NerType): void => {
    const prev = typeOf.get(text);
    typeOf.set(text, prev === undefined || prev === t ? t : null);
  };
  for (const m of mentions) if (m.score >= minScore) note(m.text, m.type);
  for (const m of mentions) if (m.score < minScore && typeOf.has(m.text)) note(m.text, m.type);
  // Abbreviations: link the two forms when one of them was predicted.
  const predicted = new Set(mentions.map((m) => `${m.span.start}:${m.span.end}`));
  const extraTexts: { text: string; type: NerType }[] = [];
  const longSpans: { start: number; end: number; text: string; type: NerType }[] = [];
  for (const p of doc.passages) {
    for (const a of findAbbreviations(p.text, p.offset)) {
      const longType = typeOf.get(a.long);
      const shortType = typeOf.get(a.short);
      if (longType && shortType === undefined) extraTexts.push({ text: a.short, type: longType });
      if (shortType && longType === undefined && !predicted.has(`${a.longSpan.start}:${a.longSpan.end}`)) longSpans.push({ ...a.longSpan, text: a.long, type: shortType });
    }
  }
  for (const e of extraTexts) note(e.text, e.type);
  const taken = (s: number, e: number): boolean => out.some((m) => m.span.start < e && s < m.span.end);
  let added = 0;
  for (const l of longSpans) {
    if (taken(l.start, l.end)) continue;
    out.push({ span: { start: l.start, end: l.end }, type: l.type, text: l.text, score: 0, propagated: true });
    added++;
  }
  // Occurrences on token boundaries: match token sequences against the known texts.
  const byFirst = new Map<string, string[]>();
  for (const [text, t] of typeOf) {
    if (!t) continue;
    const first = nerTokens(text)[0]?.surface;
    if (first === undefined) continue;
    const list = byFirst.get(first) ?? [];
    list.push(text);
    byFirst.set(first, list);
  }
  for (const p of doc.passages) {
    const tokens = nerTokens(p.text, p.offset);
    const starts = new Set(tokens.map((t) => t.start));
    const ends = new Set(tokens.map((t) => t.end));
    for (const tok of tokens) {
      const cands = byFirst.get(tok.surface);
      if (!cands) continue;
      for (const text of cands.sort((a, b) => b.length - a.length)) {
        const end = tok.start + text.length;
        if (!ends.has(end) || !starts.has(tok.start) || p.text.slice(tok.start - p.offset, end - p.offset) !== text || taken(tok.start, end)) continue;
        out.push({ span: { start: tok.start, end }, type: typeOf.get(text)!, text, score: 0, propagated: true });
        added++;
        break;
      }
    }
  }
  out.sort((a, b) => a.span.start - b.span.start || a.span.end - b.span.end);
  return { mentions: out, added };
}
