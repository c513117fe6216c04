/**
 * `biore finetune`: relation classifier fine-tuning (prompt + entity markers) on one task,
 * from a pre-trained encoder (`initFrom=DIR`) or random weights; prints dev history and the
 * test score of the best model.
 */
import type { Command } from 'commander';
import { runFinetune } from '../../core/training/transformer/finetuneJob';
import { parseOverrides, resolveConfig } from '../../core/training/trainConfig';
import { UserError } from '../userError';
import { startTrainingRun } from '../trainingRun';

export function registerFinetune(program: Command): void {
  program
    .command('finetune')
    .description('fine-tune a relation classifier; key=value overrides (task=ddi initFrom=DIR maxSteps=... outDir=...)')
    .option('--preset <name>', 'config preset', 'finetune-small')
    .option('--no-resume', 'start from scratch even if <outDir>/checkpoint.bin exists')
    .argument('[overrides...]', 'config overrides key=value')
    .action(async (overrides: string[], o: { preset: string; resume: boolean }) => {
      let parsed: Record<string, unknown>;
      try {
        parsed = parseOverrides(overrides);
        resolveConfig(o.preset, { objective: 'classify', ...parsed });
      } catch (e) {
        throw new UserError((e as Error).message);
      }
      const run = startTrainingRun({ describeEval: (ev) => `dev P ${ev['precision']!.toFixed(1)} R ${ev['recall']!.toFixed(1)} F1 ${ev['f1']!.toFixed(2)}` });
      const r = await runFinetune({ preset: o.preset, overrides: parsed, ...run, resume: o.resume, command: `biore finetune --preset ${o.preset} ${overrides.join(' ')}`.trim() });
      process.stdout.write(JSON.stringify(r, null, 1) + '\n');
    });
}
