/**
 * One schema per file: which relation task(s) the curator of a file is asked about. A file says
 * so itself when its relations or its mention types belong to one corpus's annotation scheme
 * (a BC5CDR-style file → CID; DDI → the DDI types; DrugProt → its 13; BioRED → its 8); otherwise
 * the editor asks once and keeps the answer in the sidecar, and a setting overrides both.
 */
import type { Document } from '../document/document';
import { TASK_NAMES, TASK_RELATION_TYPES, type TaskName } from '../tasks/definitions';

/** The tasks of a file and where they come from. */
export interface FileTasks {
  tasks: TaskName[];
  /** `setting`: the user's override; `sidecar`: the curator's earlier answer; `inferred`: the file's own content. */
  source: 'setting' | 'sidecar' | 'inferred';
  /** Why, in words (shown in the log and the panel). */
  reason: string;
}

const DDI_MENTION_TYPES = new Set(['drug', 'drug_n', 'brand', 'group']);
const BIORED_MENTION_TYPES = new Set(['GeneOrGeneProduct', 'DiseaseOrPhenotypicFeature', 'ChemicalEntity', 'SequenceVariant', 'OrganismTaxon', 'CellLine']);
const DRUGPROT_MENTION_TYPES = new Set(['CHEMICAL', 'GENE', 'GENE-Y', 'GENE-N']);

/** The task whose relation types include `type` (case-insensitive: DDI writes its types in lower case). */
export function taskOfRelationType(type: string): TaskName | undefined {
  const lower = type.toLowerCase();
  return TASK_NAMES.find((t) => TASK_RELATION_TYPES[t].some((x) => x.toLowerCase() === lower));
}

/**
 * The task(s) a file's own content names, or undefined when it does not say:
 * 1. the relations it already has (gold or curated): their tasks, most frequent first;
 * 2. else its mention types: DDI's (`drug`, `brand`, `group`, `drug_n`) → ddi; BioRED's
 *    (`ChemicalEntity`, `GeneOrGeneProduct`, ...) → biored; DrugProt's (`CHEMICAL`, `GENE-Y`,
 *    `GENE-N`) → drugprot; only `Chemical` and `Disease`, both present (BC5CDR) → cdr; `Chemical`
 *    and `Gene` without `Disease` → drugprot (chemical–protein is the only task over that pair).
 * Chemical, Gene and Disease together (what the mention tagger finds in raw text) are ambiguous.
 */
export function inferFileTasks(documents: readonly Document[]): FileTasks | undefined {
  const byTask = new Map<TaskName, number>();
  for (const d of documents) {
    for (const r of d.relations) {
      const t = taskOfRelationType(r.type);
      if (t) byTask.set(t, (byTask.get(t) ?? 0) + 1);
    }
  }
  if (byTask.size) {
    const tasks = [...byTask].sort((a, b) => b[1] - a[1]).map(([t]) => t);
    return { tasks, source: 'inferred', reason: `the file's relations are ${tasks.map((t) => `${t} (${byTask.get(t)})`).join(', ')}` };
  }
  const types = new Set<string>();
  for (const d of documents) for (const p of d.passages) for (const a of p.annotations) types.add(a.type);
  const has = (set: ReadonlySet<string>): boolean => [...types].some((t) => set.has(t));
  const named = (tasks: TaskName[], what: string): FileTasks => ({ tasks, source: 'inferred', reason: `the file's mentions are ${what}` });
  if (has(DDI_MENTION_TYPES)) return named(['ddi'], 'DDI-2013 drug types');
  if (has(BIORED_MENTION_TYPES)) return named(['biored'], 'BioRED types');
  if (has(DRUGPROT_MENTION_TYPES)) return named(['drugprot'], 'DrugProt types');
  const plain = [...types].filter((t) => t !== 'Chemical' && t !== 'Disease' && t !== 'Gene');
  if (plain.length === 0 && types.has('Chemical')) {
    if (types.has('Disease') && !types.has('Gene')) return named(['cdr'], 'Chemical and Disease (BC5CDR)');
    if (types.has('Gene') && !types.has('Disease')) return named(['drugprot'], 'Chemical and Gene');
  }
  return undefined;
}

/**
 * The tasks to suggest for a file: the setting when it lists any, else the sidecar's stored
 * answer, else what the file says; undefined means "ask the curator" (then store the answer).
 */
export function resolveFileTasks(setting: readonly TaskName[], stored: readonly TaskName[] | undefined, documents: readonly Document[]): FileTasks | undefined {
  if (setting.length) return { tasks: [...setting], source: 'setting', reason: 'the biore.tasks setting' };
  if (stored?.length) return { tasks: [...stored], source: 'sidecar', reason: 'chosen for this file before (kept in its sidecar)' };
  return inferFileTasks(documents);
}
