/**
 * Relation candidates as model inputs, following the paper's prompt learning:
 *   [CLS] What is [DDI] between <e1> aspirin </e1> and <e2> warfarin </e2> ? [SEP]
 *         evidence text with <e1>…</e1> and <e2>…</e2> around every mention of the pair [SEP]
 * Without the prompt only the marked evidence is encoded. The representation is taken at the
 * first <e1> and <e2> marker of the evidence (entity-start pooling) or at [CLS].
 */
import type { Document } from '../../document/document';
import { documentText } from '../../document/document';
import { evidenceWindow, type Candidate } from '../../tasks/candidatePairs';
import type { TaskName } from '../../tasks/definitions';
import { taskLabels } from '../../tasks/definitions';
import type { BioTokenizer, Marker } from '../../tokenizer/tokenizer';

/** Task tag tokens of the prompt (added tokens of the tokenizer). */
export const TASK_TAG: Record<TaskName, string> = { ddi: '[DDI]', cdr: '[CDR]', drugprot: '[DRUGPROT]', biored: '[BIORED]' };

/** One encoded candidate. */
export interface RelationExample {
  candidate: Candidate;
  ids: number[];
  /** Token index of the head / tail representation (entity-start marker or [CLS]=0). */
  headIndex: number;
  tailIndex: number;
  /** Index into taskLabels (0 = none). */
  label: number;
}

export interface ExampleOptions {
  prompt: boolean;
  pooling: 'entity-start' | 'cls';
  maxLength: number;
}

/** Mention text of an argument (its first mention's surface). */
function argText(text: string, c: Candidate, side: 'head' | 'tail'): string {
  const m = c[side].mentions[0];
  if (!m) return c[side].id;
  const s = m.spans[0]!;
  const e = m.spans[m.spans.length - 1]!;
  return text.slice(s.start, e.end).replace(/\s+/g, ' ');
}

/** Encode one candidate of `doc` (whose text is `text`). */
export function encodeCandidate(tok: BioTokenizer, text: string, c: Candidate, labelIndex: number, o: ExampleOptions): RelationExample {
  const win = evidenceWindow(c);
  const evidence = text.slice(win.start, win.end);
  const markers: Marker[] = [];
  const mark = (side: 'head' | 'tail', open: string, close: string): void => {
    for (const m of c[side].mentions) {
      const s = m.spans[0]!.start;
      const e = m.spans[m.spans.length - 1]!.end;
      if (s < win.start || e > win.end) continue;
      markers.push({ at: s - win.start, token: open }, { at: e - win.start, token: close });
    }
  };
  mark('head', '<e1>', '</e1>');
  mark('tail', '<e2>', '</e2>');
  // Closing markers before opening ones at the same offset keeps adjacent mentions well nested.
  markers.sort((a, b) => a.at - b.at || (a.token.startsWith('</') ? -1 : 1) - (b.token.startsWith('</') ? -1 : 1));
  const enc = o.prompt
    ? tok.encode(`What is ${TASK_TAG[c.task]} between <e1> ${argText(text, c, 'head')} </e1> and <e2> ${argText(text, c, 'tail')} </e2> ?`, { pair: evidence, pairMarkers: markers, maxLength: o.maxLength })
    : tok.encode(evidence, { markers, maxLength: o.maxLength });
  const evidenceSeq = o.prompt ? 1 : 0;
  const find = (token: string): number => {
    let fallback = -1;
    for (let i = 0; i < enc.tokens.length; i++) {
      if (enc.tokens[i] !== token) continue;
      if (enc.sequenceIds[i] === evidenceSeq) return i;
      if (fallback < 0) fallback = i;
    }
    return fallback < 0 ? 0 : fallback;
  };
  const headIndex = o.pooling === 'cls' ? 0 : find('<e1>');
  const tailIndex = o.pooling === 'cls' ? 0 : find('<e2>');
  return { candidate: c, ids: enc.ids, headIndex, tailIndex, label: labelIndex };
}

/** Encode all candidates of documents; the label of each is its gold label (or none). */
export function encodeCandidates(tok: BioTokenizer, docs: readonly Document[], candidates: readonly Candidate[], task: TaskName, o: ExampleOptions): RelationExample[] {
  const labels = taskLabels(task);
  const byId = new Map(docs.map((d) => [d.id, { doc: d, text: documentText(d) }]));
  return candidates.map((c) => {
    const d = byId.get(c.documentId);
    if (!d) throw new Error(`candidate ${c.id}: document not found`);
    const li = labels.indexOf(c.label);
    if (li < 0) throw new Error(`candidate ${c.id}: label ${c.label} not in ${task} labels`);
    return encodeCandidate(tok, d.text, c, li, o);
  });
}
