/**
 * The training loss of the relation graphs (CNN and BiLSTM): cross-entropy over the task's labels
 * (focal with γ > 0), plus, with a detection weight λ > 0, λ times a detection loss: the
 * cross-entropy of "is there a relation at all", −log Σ_{k ≠ none} p_k for a positive pair and
 * −log p_none for a negative one, from the same softmax. It is the first stage of a two-stage
 * classifier (interacts? then which type) without a second model: the class-imbalance lever of
 * the relation issue, next to focal loss. Label 0 is `none` (tasks/definitions.ts `taskLabels`);
 * multi-task graphs, whose logits hold one `none` per task, do not take it.
 */
import type { Autodiff } from '../../engine/autodiff';
import type { Value } from '../../engine/graph';
import { attr } from '../../engine/graph';

export interface RelationLossOptions {
  classes: number;
  focalGamma?: number;
  detectionWeight?: number;
  taskClasses: readonly number[];
}

export function relationLoss(ad: Autodiff, logits: Value, labels: Value, weights: Value, a: RelationLossOptions): Value {
  const ce = ad.focalCrossEntropy(logits, labels, weights, a.focalGamma ?? 0);
  const lambda = a.detectionWeight ?? 0;
  if (lambda === 0) return ce;
  if (a.taskClasses.length > 0) throw new Error('detectionWeight: only single-task relation models (one none label) take the detection loss');
  const g = ad.g;
  const N = logits.shape[0]!;
  const isNone = g.op('Cast', [g.op('Equal', [labels, g.constI64([0], [])], {}, [N], 'bool')], { to: attr.i(1) }, [N]);
  const column = (x: Value): Value => g.op('Unsqueeze', [x, g.constI64([1])], {}, [N, 1]);
  const positive = g.op('Expand', [column(g.op('Sub', [g.constF(1), isNone], {}, [N])), g.constI64([1, a.classes - 1])], {}, [N, a.classes - 1]);
  const allowed = g.op('Concat', [column(isNone), positive], { axis: attr.i(1) }, [N, a.classes]);
  return ad.add(ce, ad.scale(ad.partialSoftmaxCrossEntropy(logits, allowed, weights), lambda));
}
