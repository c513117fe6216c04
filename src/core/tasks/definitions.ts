/**
 * What each relation-extraction task is: its relation labels, its entity types, and how a
 * relation of the domain model turns into the tuple the official evaluation compares.
 *
 * Shared by the scorers (src/core/evaluation/scorers.ts) and the candidate generators
 * (src/core/tasks/*.ts), so "is this gold relation reachable by a candidate" and "does this
 * prediction match a gold relation" use one definition of relation identity.
 */
import type { Annotation, ArgumentRef, Document, Relation, RelationArgument } from '../document/document';
import { FormatError } from '../shared/errors';

/** The four relation-extraction tasks. */
export type TaskName = 'ddi' | 'cdr' | 'drugprot' | 'biored';

export const TASK_NAMES: readonly TaskName[] = ['ddi', 'cdr', 'drugprot', 'biored'];

/** The label of a candidate pair that holds no relation. */
export const NONE = 'none';

/** DDI-2013 positive interaction types (lower case, as the corpus XML writes them). */
export const DDI_TYPES = ['mechanism', 'effect', 'advise', 'int'] as const;

/** BC5CDR's only relation type: chemical-induced disease. */
export const CDR_TYPES = ['CID'] as const;

/** The 13 DrugProt (BioCreative VII track 1) relation types. */
export const DRUGPROT_TYPES = [
  'INDIRECT-DOWNREGULATOR',
  'INDIRECT-UPREGULATOR',
  'DIRECT-REGULATOR',
  'ACTIVATOR',
  'INHIBITOR',
  'AGONIST',
  'ANTAGONIST',
  'AGONIST-ACTIVATOR',
  'AGONIST-INHIBITOR',
  'PRODUCT-OF',
  'SUBSTRATE',
  'SUBSTRATE_PRODUCT-OF',
  'PART-OF',
] as const;

/** The 8 BioRED relation types. */
export const BIORED_RELATION_TYPES = [
  'Association',
  'Positive_Correlation',
  'Negative_Correlation',
  'Bind',
  'Cotreatment',
  'Comparison',
  'Drug_Interaction',
  'Conversion',
] as const;

/** Positive relation labels of each task, in the order reports list them. */
export const TASK_RELATION_TYPES: Readonly<Record<TaskName, readonly string[]>> = {
  ddi: DDI_TYPES,
  cdr: CDR_TYPES,
  drugprot: DRUGPROT_TYPES,
  biored: BIORED_RELATION_TYPES,
};

/** BC5CDR mention types (PubTator spelling). */
export const CDR_CHEMICAL = 'Chemical';
export const CDR_DISEASE = 'Disease';

/** DrugProt mention types: one chemical type, three gene types (GENE-Y normalizable, GENE-N not). */
export const DRUGPROT_CHEMICAL_TYPES: ReadonlySet<string> = new Set(['CHEMICAL']);
export const DRUGPROT_GENE_TYPES: ReadonlySet<string> = new Set(['GENE', 'GENE-Y', 'GENE-N']);

/** BioRED novelty values (the `novel` relation attribute). */
export type Novelty = 'Novel' | 'No';

/** A relation type the task does not define. Names the type, the task and where it was found. */
export class UnknownRelationTypeError extends FormatError {
  readonly relationType: string;
  readonly task: TaskName;

  constructor(task: TaskName, relationType: string, source: string, element: string) {
    super(
      { source, element },
      `unknown ${task} relation type "${relationType}" (expected one of ${TASK_RELATION_TYPES[task].join(', ')}, or "${NONE}")`,
    );
    this.name = 'UnknownRelationTypeError';
    this.relationType = relationType;
    this.task = task;
  }
}

/**
 * The evaluation identity of one relation.
 * `pair` identifies the argument pair without the type: the two ids joined by a control
 * character (ids never contain one), sorted for the undirected tasks (DDI, BioRED) and in
 * argument order for the directed ones (CDR chemical then disease, DrugProt Arg1 then Arg2).
 */
export interface RelationKey {
  pair: string;
  /** The two argument ids in `pair` order: annotation ids (DDI, DrugProt) or concept ids. */
  args: [string, string];
  /** Canonical relation type (one of the task's types). */
  type: string;
  /** BioRED only: `Novel`, `No`, or '' when the relation does not say. */
  novelty: string;
}

/** Separator inside pair keys; a control character cannot occur in corpus ids. */
const SEP = '\u0001';

/** The pair key of two ids, sorted when the task's relations are undirected. */
export function pairKey(a: string, b: string, undirected: boolean): string {
  return undirected && b < a ? `${b}${SEP}${a}` : `${a}${SEP}${b}`;
}

/** Whether the task's relations are undirected (so `pairKey` sorts). */
export function isUndirected(task: TaskName): boolean {
  return task === 'ddi' || task === 'biored';
}

/** How a relation is read: where it came from (for error messages) and extra documents to resolve annotation refs. */
export interface KeyContext {
  /** Name of the input, for errors (`gold`, a file name, ...). */
  source: string;
  /**
   * A second document to resolve annotation refs in when the relation's own document lacks the
   * mention (predictions often carry relations only, pointing at the gold mentions).
   */
  fallback?: Document | undefined;
}

/**
 * The canonical form of a relation type for a task, `NONE` for a negative label, or undefined
 * when the task does not know the type. Matching is case-insensitive (DDI is lower case, DrugProt
 * upper case, BioRED mixed; readers and models disagree on case more often than on spelling).
 * DDI-2013 negative pairs (`ddi="false"`) may arrive as relations typed `false`/`negative`/'' or
 * with the attribute `ddi: false`; all count as NONE.
 */
export function canonicalType(task: TaskName, rel: Pick<Relation, 'type' | 'attributes'>): string | undefined {
  const t = rel.type.trim();
  const lower = t.toLowerCase();
  if (lower === NONE || lower === 'null') return NONE;
  if (task === 'ddi' && (lower === '' || lower === 'false' || lower === 'negative' || rel.attributes['ddi'] === 'false')) {
    return NONE;
  }
  return TASK_RELATION_TYPES[task].find((x) => x.toLowerCase() === lower);
}

/** Normalized BioRED novelty: `Novel`, `No`, or '' when absent or unrecognized. */
export function canonicalNovelty(value: string | undefined): string {
  const v = (value ?? '').trim().toLowerCase();
  if (v === 'novel') return 'Novel';
  if (v === 'no') return 'No';
  return '';
}

/** `document D relation R` for error locations. */
function where(doc: Document, rel: Relation): string {
  return `document ${doc.id} relation ${rel.id}`;
}

/** The argument with a role (case-insensitive), else the one at `index`. */
function argByRole(rel: Relation, role: string, index: number): RelationArgument | undefined {
  const r = role.toLowerCase();
  return rel.args.find((a) => a.role.toLowerCase() === r) ?? rel.args[index];
}

/** Concept ids of a ref: the concept itself, or the mention's ids (looked up in `doc`, then `fallback`). */
function conceptIds(doc: Document, ref: ArgumentRef, fallback: Document | undefined): string[] {
  if (ref.kind === 'concept') return [ref.id];
  const a = findAnnotation(doc, ref.id) ?? (fallback ? findAnnotation(fallback, ref.id) : undefined);
  return a ? a.ids : [];
}

/** Entity type of a ref's mention, when it is a mention ref that resolves. */
function refType(doc: Document, ref: ArgumentRef, fallback: Document | undefined): string | undefined {
  if (ref.kind === 'concept') return undefined;
  return (findAnnotation(doc, ref.id) ?? (fallback ? findAnnotation(fallback, ref.id) : undefined))?.type;
}

function findAnnotation(doc: Document, id: string): Annotation | undefined {
  for (const p of doc.passages) {
    const a = p.annotations.find((x) => x.id === id);
    if (a) return a;
  }
  return undefined;
}

function requireTwoArgs(task: TaskName, doc: Document, rel: Relation, ctx: KeyContext): void {
  if (rel.args.length !== 2) {
    throw new FormatError({ source: ctx.source, element: where(doc, rel) }, `${task} relations have 2 arguments, this one has ${rel.args.length}`);
  }
}

function requireMention(task: TaskName, doc: Document, rel: Relation, a: RelationArgument | undefined, ctx: KeyContext): string {
  if (!a || a.ref.kind !== 'annotation') {
    throw new FormatError(
      { source: ctx.source, element: where(doc, rel) },
      `${task} relations are between mentions; argument ${a?.role ?? '?'} is not an annotation reference`,
    );
  }
  return a.ref.id;
}

/**
 * The evaluation tuples of one relation, or `NONE` for a negative relation.
 *
 * - DDI: one key, the unordered pair of annotation ids; type lower case.
 * - DrugProt: one key, (Arg1, Arg2) annotation ids in that order (roles `Arg1`/`Arg2`, else
 *   argument order); direction matters, a reversed pair is a different tuple.
 * - CDR: (chemical id, disease id) concept pairs. The chemical side is the argument with role
 *   `Chemical` (else the one whose mention is typed Chemical, else the first argument). A mention
 *   ref contributes all of its ids, so a composite mention (`D1|D2`) yields the cross product of
 *   single-id pairs: the official evaluation only knows single MeSH ids, and each part of a
 *   composite mention names its own concept. Unresolvable refs and mentions without ids yield
 *   no key (an empty array).
 * - BioRED: unordered concept-id pairs (cross product as for CDR), type and novelty.
 *
 * Throws `UnknownRelationTypeError` for a type the task does not define, and `FormatError` for
 * a relation without two arguments or, in the mention-level tasks, with a concept argument.
 */
export function relationKeys(task: TaskName, doc: Document, rel: Relation, ctx: KeyContext): RelationKey[] | typeof NONE {
  const type = canonicalType(task, rel);
  if (type === undefined) throw new UnknownRelationTypeError(task, rel.type, ctx.source, where(doc, rel));
  if (type === NONE) return NONE;
  requireTwoArgs(task, doc, rel, ctx);
  const novelty = task === 'biored' ? canonicalNovelty(rel.attributes['novel']) : '';
  switch (task) {
    case 'ddi': {
      const a = requireMention(task, doc, rel, rel.args[0], ctx);
      const b = requireMention(task, doc, rel, rel.args[1], ctx);
      const [x, y] = b < a ? [b, a] : [a, b];
      return [{ pair: pairKey(x, y, false), args: [x, y], type, novelty }];
    }
    case 'drugprot': {
      const a = requireMention(task, doc, rel, argByRole(rel, 'Arg1', 0), ctx);
      const b = requireMention(task, doc, rel, argByRole(rel, 'Arg2', 1), ctx);
      return [{ pair: pairKey(a, b, false), args: [a, b], type, novelty }];
    }
    case 'cdr': {
      const [chem, dis] = cdrSides(doc, rel, ctx.fallback);
      return crossKeys(conceptIds(doc, chem.ref, ctx.fallback), conceptIds(doc, dis.ref, ctx.fallback), false, type, novelty);
    }
    case 'biored': {
      const [a, b] = rel.args as [RelationArgument, RelationArgument];
      return crossKeys(conceptIds(doc, a.ref, ctx.fallback), conceptIds(doc, b.ref, ctx.fallback), true, type, novelty);
    }
  }
}

/** The chemical and the disease argument of a CDR relation (roles, then mention types, then order). */
function cdrSides(doc: Document, rel: Relation, fallback: Document | undefined): [RelationArgument, RelationArgument] {
  const [a0, a1] = rel.args as [RelationArgument, RelationArgument];
  const byRole = (role: string): RelationArgument | undefined => rel.args.find((a) => a.role.toLowerCase() === role);
  const chemRole = byRole('chemical');
  const disRole = byRole('disease');
  if (chemRole && disRole) return [chemRole, disRole];
  const t0 = refType(doc, a0.ref, fallback);
  const t1 = refType(doc, a1.ref, fallback);
  if (t0 === CDR_DISEASE && t1 === CDR_CHEMICAL) return [a1, a0];
  return [a0, a1];
}

function crossKeys(left: string[], right: string[], undirected: boolean, type: string, novelty: string): RelationKey[] {
  const out: RelationKey[] = [];
  for (const l of left) {
    for (const r of right) {
      const [x, y] = undirected && r < l ? [r, l] : [l, r];
      out.push({ pair: pairKey(x, y, false), args: [x, y], type, novelty });
    }
  }
  return out;
}

/** Label vocabulary of a task: `none` first, then its types in official order. */
export function taskLabels(task: TaskName): string[] {
  return [NONE, ...TASK_RELATION_TYPES[task]];
}
