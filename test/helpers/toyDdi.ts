/**
 * A toy DDI corpus for model tests: one sentence per document from a few templates whose wording
 * decides the relation type, drug names shuffled in, in the DDI reader's shape.
 */
import * as path from 'node:path';
import type { Document } from '../../src/core/document/document';
import { generateAllCandidates } from '../../src/core/tasks/candidates';
import type { TaskName } from '../../src/core/tasks/definitions';
import { BEST_DIR, train } from '../../src/core/training/trainer';
import { WordVocab, tokenizeWords } from '../../src/core/wordvec/wordVocab';
import { createCnnBackend } from '../../src/core/training/cnnRelation/cnnBackend';
import { encodeCnnCandidates, type CnnExample } from '../../src/core/inference/relations/cnnRelationModel';
import { resolveCnnConfig } from '../../src/core/training/cnnRelation/cnnConfig';

export const DRUGS = ['aspirin', 'warfarin', 'heparin', 'ketoconazole', 'digoxin', 'simvastatin', 'rifampin', 'phenytoin', 'lithium', 'insulin'];
export const TEMPLATES: { text: string; type: string }[] = [
  { text: 'A increases the plasma levels of B .', type: 'mechanism' },
  { text: 'A inhibits the metabolism of B in patients .', type: 'mechanism' },
  { text: 'A should not be combined with B .', type: 'advise' },
  { text: 'Avoid the use of A with B during therapy .', type: 'advise' },
  { text: 'A enhances the anticoagulant effect of B .', type: 'effect' },
  { text: 'A and B were given on separate days .', type: 'none' },
  { text: 'Patients received A , then B , and C later .', type: 'none' },
];

/** One document per sentence in the DDI reader's shape: drug mentions, e1/e2 relations. */
export function toyDocs(n: number, seed: number): Document[] {
  let s = seed;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  const docs: Document[] = [];
  for (let i = 0; i < n; i++) {
    const tpl = TEMPLATES[Math.floor(next() * TEMPLATES.length)]!;
    const names = [...DRUGS];
    for (let k = names.length - 1; k > 0; k--) {
      const j = Math.floor(next() * (k + 1));
      [names[k], names[j]] = [names[j]!, names[k]!];
    }
    let text = '';
    const anns: Document['passages'][number]['annotations'] = [];
    for (const piece of tpl.text.split(' ')) {
      if (text) text += ' ';
      const slot = ['A', 'B', 'C'].indexOf(piece);
      if (slot >= 0) {
        const name = names[slot]!;
        anns.push({ id: `d${i}.e${anns.length}`, type: 'drug', spans: [{ start: text.length, end: text.length + name.length }], text: name, ids: [], attributes: {} });
        text += name;
      } else text += piece;
    }
    const relations: Document['relations'] =
      tpl.type === 'none' ? [] : [{ id: `d${i}.r0`, type: tpl.type, args: [{ role: 'e1', ref: { kind: 'annotation', id: anns[0]!.id } }, { role: 'e2', ref: { kind: 'annotation', id: anns[1]!.id } }], attributes: {} }];
    docs.push({ id: `d${i}`, attributes: {}, passages: [{ offset: 0, text, attributes: { type: 'sentence' }, annotations: anns }], relations });
  }
  return docs;
}

export function toyVocab(): WordVocab {
  const counts = new Map<string, number>();
  for (const t of [...TEMPLATES.map((x) => x.text), DRUGS.join(' ')]) for (const w of tokenizeWords(t)) counts.set(w.text, (counts.get(w.text) ?? 0) + 1);
  return WordVocab.fromCounts(counts, 1);
}


/** Deterministic pseudo-random floats in [-scale, scale). */
export function toyFloats(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return ((s / 2 ** 32) * 2 - 1) * scale;
  });
}

/**
 * Train a tiny CNN relation model on the toy corpus (a few seconds) and return the folder of its
 * best export: a real model folder as `biore wordvec finetune` writes it.
 */
export async function trainToyDdiModel(outDir: string, tasks: readonly TaskName[] = ['ddi']): Promise<string> {
  const vocab = toyVocab();
  const trainDocs = toyDocs(240, 1);
  const devDocs = toyDocs(40, 2);
  const enc = { blinding: true, maxWords: 50, maxDistance: 10 };
  // In a multi-task model the toy examples are the DDI task's (task id = its index).
  const tag = (ex: CnnExample[]): CnnExample[] => (tasks.length > 1 ? ex.map((e) => ({ ...e, taskId: tasks.indexOf('ddi') })) : ex);
  const trainEx = tag(encodeCnnCandidates(vocab, trainDocs, generateAllCandidates('ddi', trainDocs), 'ddi', enc));
  const devEx = tag(encodeCnnCandidates(vocab, devDocs, generateAllCandidates('ddi', devDocs), 'ddi', enc));
  const { train: config, cnn } = resolveCnnConfig([`outDir=${outDir}`, 'batchSize=16', 'maxSteps=120', 'warmupSteps=5', 'evalEvery=60', 'checkpointEvery=1000', 'logEvery=1000', 'learningRate=0.005', 'threads=1', 'dropout=0.1', 'windows=3,4', 'filters=16', 'posDim=4', 'maxDistance=10']);
  const vectors = { vocab, dim: 12, vectors: toyFloats(vocab.size * 12, 21, 0.3), meta: {} };
  const backend = await createCnnBackend({ config, cnn, vectors, tasks, train: trainEx, dev: devEx, devDocs: new Map([['ddi', devDocs]]) });
  try {
    await train(backend, { config, meta: {}, select: { metric: 'f1', mode: 'max' }, resume: false });
  } finally {
    await backend.session.dispose();
  }
  return path.join(outDir, BEST_DIR);
}
