/**
 * The relation model families that share the CNN's inputs, loop, backend and export (CNN,
 * BiLSTM): which graph an architecture builds and which `model_type` its folder declares.
 */
import type { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { BILSTM_RELATION_MODEL_TYPE, RELATION_MODEL_TYPE } from '../../inference/modelFolders';
import { buildBiLstmGraph, type BiLstmArchExtra } from '../bilstmRelation/bilstmGraph';
import { buildCnnGraph, type CnnArch, type WordTable } from './cnnGraph';

/** An architecture of either family (absent `family`: the CNN, as folders exported before it). */
export type RelationArch = CnnArch & { family?: 'cnn' } | (CnnArch & BiLstmArchExtra & { family: 'bilstm'; seqLen: number });

/** The family's graph: a BiLSTM training graph is unrolled over `seqLen`; its export takes any length. */
export function buildRelationGraph(ad: Autodiff, a: RelationArch, table: WordTable): { logits: Value; loss?: Value } {
  if (a.family === 'bilstm') return buildBiLstmGraph(ad, a, table, ad.training ? a.seqLen : 'seq');
  return buildCnnGraph(ad, a, table);
}

export function relationModelType(a: RelationArch): string {
  return a.family === 'bilstm' ? BILSTM_RELATION_MODEL_TYPE : RELATION_MODEL_TYPE;
}
