/**
 * Leak guard: no document of a protected test set (DDI, BC5CDR, DrugProt, BioRED) may appear in
 * any training, development or pre-training data of any corpus.
 *
 * Corpora overlap in ways their names hide (ChemProt and DrugProt share most abstracts, BioRED
 * and BC5CDR about 200, raw-text collections some), and several collections carry no PMID. So a
 * document is a leak when any of these match a protected document:
 *  1. its PMID;
 *  2. its normalized title (lowercase letters and digits only), for collections without PMIDs;
 *  3. for documents without a PMID (NER sentences, PPI pairs, DrugBank texts, raw text): at least
 *     half of its sentences (normalized the same way, at least MIN_SENTENCE_KEY characters long)
 *     occur in protected documents.
 * A PMID is authoritative: a document with a different PMID is a different article even when it
 * shares boilerplate sentences ("This article is part of a Special Issue entitled ..."), and the
 * half-of-sentences rule keeps such boilerplate from removing texts without PMIDs.
 */
import type { Document } from '../document/document';
import { documentText } from '../document/document';
import { splitSentences } from '../text/sentences';

/** Share of a document's keyed sentences that must be protected for a sentence-level match. */
export const SENTENCE_MATCH_SHARE = 0.5;

/** Normalized sentences shorter than this are too generic ("Results") to identify a document. */
export const MIN_SENTENCE_KEY = 40;

/** Lowercase, letters and digits only: robust to tokenization, spacing and punctuation changes. */
export function normalizeKey(s: string): string {
  return s.normalize('NFKD').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** What a document offers for matching. */
export interface DocumentKeys {
  pmid?: string;
  title?: string;
  text: string;
}

/** Keys of a model document: PMID from `attributes.pmid` or a numeric id; title passage. */
export function documentKeys(doc: Document): DocumentKeys {
  const pmid = doc.attributes['pmid'] ?? (/^\d{4,9}$/.test(doc.id) ? doc.id : undefined);
  const titlePassage = doc.passages.find((p) => p.attributes['type'] === 'title');
  const keys: DocumentKeys = { text: documentText(doc) };
  if (pmid !== undefined) keys.pmid = pmid;
  if (titlePassage) keys.title = titlePassage.text;
  return keys;
}

/** Normalized keys of the sentences of `text` that are long enough to identify a document. */
export function sentenceKeys(text: string): string[] {
  const out: string[] = [];
  for (const s of splitSentences(text)) {
    const k = normalizeKey(text.slice(s.start, s.end));
    if (k.length >= MIN_SENTENCE_KEY) out.push(k);
  }
  return out;
}

/** Why a document was removed. */
export type LeakReason = 'pmid' | 'title' | 'sentence';

/** The protected set, built once from the test splits. */
export class LeakGuard {
  private readonly pmids = new Set<string>();
  private readonly titles = new Set<string>();
  private readonly sentences = new Set<string>();

  /** Register a protected (test) document. */
  protect(keys: DocumentKeys): void {
    if (keys.pmid) this.pmids.add(keys.pmid);
    if (keys.title) {
      const t = normalizeKey(keys.title);
      if (t.length >= MIN_SENTENCE_KEY / 2) this.titles.add(t);
    }
    for (const k of sentenceKeys(keys.text)) this.sentences.add(k);
  }

  /** Number of protected PMIDs (for reports). */
  get protectedPmids(): number {
    return this.pmids.size;
  }

  /** Why `keys` leaks a protected document, or undefined when it is clean. */
  check(keys: DocumentKeys): LeakReason | undefined {
    if (keys.pmid && this.pmids.has(keys.pmid)) return 'pmid';
    if (keys.title && this.titles.has(normalizeKey(keys.title))) return 'title';
    if (keys.pmid) return undefined;
    const ks = sentenceKeys(keys.text);
    if (ks.length === 0) return undefined;
    const hits = ks.filter((k) => this.sentences.has(k)).length;
    return hits >= SENTENCE_MATCH_SHARE * ks.length ? 'sentence' : undefined;
  }

  /** Split documents into the kept ones and the count removed per reason. */
  filter<T>(items: readonly T[], keysOf: (t: T) => DocumentKeys): { kept: T[]; removed: number; byReason: Record<LeakReason, number> } {
    const kept: T[] = [];
    const byReason: Record<LeakReason, number> = { pmid: 0, title: 0, sentence: 0 };
    for (const it of items) {
      const r = this.check(keysOf(it));
      if (r) byReason[r]++;
      else kept.push(it);
    }
    return { kept, removed: byReason.pmid + byReason.title + byReason.sentence, byReason };
  }
}
