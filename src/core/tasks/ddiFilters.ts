/**
 * Negative-pair filters for DDI-2013, applied before a model sees a pair, in training and at
 * prediction alike (Quan et al. 2016; Kavuluru et al. 2017; Zhou et al. 2018 use such rules):
 *
 * - `abbreviation`: one drug is the other's abbreviation or alias in parentheses, `D1 (D2)`;
 * - `coordination`: both drugs are members of one coordinate list of three or more drugs
 *   (`A, B, and C`), which names drugs side by side rather than relating them;
 * - `example`: `D1 such as / e.g. / including D2 …`: D2 (and the drugs listed with it) are
 *   examples of the class D1, and examples of one class are not related to it or to each other.
 *
 * A filtered pair is no candidate: the scorer counts it as predicted negative, so a gold pair
 * lost to a rule is a miss (`biore corpus ddi-filters` reports, per rule, the pairs removed and
 * the gold pairs among them on the training split, where the rules were checked).
 */
import type { Annotation, Passage } from '../document/document';
import { annotationExtent } from '../document/document';

export type DdiFilterRule = 'abbreviation' | 'coordination' | 'example';
export const DDI_FILTER_RULES: readonly DdiFilterRule[] = ['abbreviation', 'coordination', 'example'];

/** Text between two mentions that only joins list members. */
const LIST_JOINER = /^\s*(,|;|\/|,?\s*(and|or|and\/or|as well as|plus))\s*$/i;
/** Text between a class and its first example. */
const EXAMPLE_CUE = /^\s*,?\s*(\(\s*)?(such as|e\.\s?g\.,?|including|like|especially|particularly|for example,?)\s*$/i;

/** The rule that removes the pair (i, j), i < j, of a passage's mentions (sorted by start), if any. */
export type DdiPairFilter = (i: number, j: number) => DdiFilterRule | undefined;

/**
 * Builds the filter of one passage. `mentions` are the passage's annotations in textual order
 * (the DDI reader keeps the corpus's e0, e1, … order, which is textual).
 */
export function ddiPairFilter(passage: Passage, mentions: readonly Annotation[]): DdiPairFilter {
  const n = mentions.length;
  const ext = mentions.map(annotationExtent);
  const gap = (a: number, b: number): string => passage.text.slice(ext[a]!.end - passage.offset, ext[b]!.start - passage.offset);
  // Coordinate lists: maximal runs of consecutive mentions joined by list joiners.
  const listOf = new Int32Array(n).fill(-1);
  const listSize = new Map<number, number>();
  for (let i = 0; i < n; ) {
    let k = i;
    while (k + 1 < n && ext[k + 1]!.start >= ext[k]!.end && LIST_JOINER.test(gap(k, k + 1))) k++;
    for (let m = i; m <= k; m++) listOf[m] = i;
    listSize.set(i, k - i + 1);
    i = k + 1;
  }
  // Examples: a mention followed by an example cue; its examples are the next mention's list.
  const exampleOf = new Int32Array(n).fill(-1);
  for (let i = 0; i + 1 < n; i++) {
    if (ext[i + 1]!.start < ext[i]!.end || !EXAMPLE_CUE.test(gap(i, i + 1))) continue;
    const list = listOf[i + 1]!;
    for (let m = i + 1; m < n && listOf[m] === list; m++) exampleOf[m] = i;
  }
  return (i, j) => {
    if (j === i + 1 && ext[j]!.start >= ext[i]!.end) {
      const between = gap(i, j);
      const after = passage.text.slice(ext[j]!.end - passage.offset, ext[j]!.end - passage.offset + 3);
      if (/^\s*\(\s*$/.test(between) && /^\s*\)/.test(after)) return 'abbreviation';
    }
    if (exampleOf[j] === i || (exampleOf[i]! >= 0 && exampleOf[i] === exampleOf[j])) return 'example';
    if (listOf[i] === listOf[j] && (listSize.get(listOf[i]!) ?? 0) >= 3) return 'coordination';
    return undefined;
  };
}
