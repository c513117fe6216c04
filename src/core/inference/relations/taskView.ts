/**
 * A document as one relation task sees it. Curators' files and the mention detector name entity
 * types their own way (PubTator `Chemical`, BioRED `ChemicalEntity`, DDI `drug`, DrugProt
 * `GENE-Y`, our detector's `Gene`), while each task's candidate generator reads the type names of
 * its corpus. The view renames types to the task's names (dropping mentions the task does not
 * pair), and for DDI, whose generator treats every passage as one sentence (DDI files are stored
 * sentence by sentence), cuts multi-sentence passages into sentences.
 *
 * The view keeps annotation ids, concept ids and document offsets, so predicted relations refer
 * to the original document's mentions and concepts unchanged.
 */
import type { Annotation, Document, Passage } from '../../document/document';
import { annotationExtent } from '../../document/document';
import { documentSentences } from '../../tasks/candidatePairs';
import type { TaskName } from '../../tasks/definitions';

const CHEMICAL = ['Chemical', 'CHEMICAL', 'ChemicalEntity', 'Drug', 'drug', 'brand', 'group', 'drug_n', 'Chemical/Drug'];
const GENE = ['Gene', 'GENE', 'GENE-Y', 'GENE-N', 'GeneOrGeneProduct', 'Gene/Protein', 'Protein', 'protein'];
const DISEASE = ['Disease', 'DiseaseOrPhenotypicFeature', 'SpecificDisease', 'DiseaseClass', 'Modifier', 'CompositeMention'];

/** Source type → the task's type name, per task; a type absent from the map is not paired. */
const TYPE_MAPS: Record<TaskName, ReadonlyMap<string, string>> = {
  ddi: new Map([...CHEMICAL.map((t) => [t, 'drug'] as const), ['brand', 'brand'], ['group', 'group'], ['drug_n', 'drug_n']]),
  cdr: new Map([...CHEMICAL.map((t) => [t, 'Chemical'] as const), ...DISEASE.map((t) => [t, 'Disease'] as const)]),
  drugprot: new Map([...CHEMICAL.map((t) => [t, 'CHEMICAL'] as const), ...GENE.map((t) => [t, t === 'GENE-Y' || t === 'GENE-N' ? t : 'GENE'] as const)]),
  biored: new Map([
    ...CHEMICAL.map((t) => [t, 'ChemicalEntity'] as const),
    ...GENE.map((t) => [t, 'GeneOrGeneProduct'] as const),
    ...DISEASE.map((t) => [t, 'DiseaseOrPhenotypicFeature'] as const),
    ['SequenceVariant', 'SequenceVariant'],
    ['OrganismTaxon', 'OrganismTaxon'],
    ['CellLine', 'CellLine'],
  ]),
};

/** The type a task gives a source type, or undefined when the task does not use such mentions. */
export function taskEntityType(task: TaskName, type: string): string | undefined {
  return TYPE_MAPS[task].get(type);
}

/** True when a passage list is already one sentence per passage (the DDI reader marks each). */
function sentencePassages(doc: Document): boolean {
  return doc.passages.every((p) => p.attributes['sentence'] !== undefined);
}

/** The document as `task` reads it (see the module comment). */
export function taskView(doc: Document, task: TaskName): Document {
  const retype = (a: Annotation): Annotation | undefined => {
    const t = taskEntityType(task, a.type);
    return t === undefined ? undefined : { ...a, type: t };
  };
  const kept = (p: Passage): Annotation[] => p.annotations.flatMap((a) => retype(a) ?? []);
  if (task !== 'ddi' || sentencePassages(doc)) {
    return { ...doc, passages: doc.passages.map((p) => ({ ...p, annotations: kept(p) })) };
  }
  // DDI on free text: one passage per sentence, each mention in the sentence where it starts.
  const all = doc.passages.flatMap(kept);
  const text = doc.passages;
  const passages: Passage[] = documentSentences(doc).map((s, i) => {
    const owner = text.find((p) => s.start >= p.offset && s.end <= p.offset + p.text.length)!;
    return {
      offset: s.start,
      text: owner.text.slice(s.start - owner.offset, s.end - owner.offset),
      attributes: { sentence: `${doc.id}.s${i}` },
      annotations: all.filter((a) => {
        const e = annotationExtent(a);
        return e.start >= s.start && e.start < s.end;
      }),
    };
  });
  return { ...doc, passages };
}
