/**
 * The one way a CLI command runs a training job: Ctrl-C aborts the job's signal (the loop saves
 * a checkpoint before it stops, so the same command resumes), log lines and one progress line
 * per report go to stderr, the result alone to stdout.
 */
import type { TrainProgress } from '../core/training/trainer';

/** Seconds as `3m05s`, or `1h02m` from an hour on. */
export function fmtTime(s: number): string {
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

export interface TrainingRunOptions {
  /** How a progress report's dev metrics read (default `name value` pairs). */
  describeEval?: (metrics: Record<string, number>) => string;
  /** Which reports get a line (default all). */
  report?: (p: TrainProgress) => boolean;
}

/** What a training job takes from the command: the abort signal and the printers. */
export interface TrainingRun {
  signal: AbortSignal;
  onLog: (line: string) => void;
  onProgress: (p: TrainProgress) => void;
}

/** One progress line: step, loss, gradient norm, learning rate, speed, time, then the dev metrics when there are some. */
export function progressLine(p: TrainProgress, describeEval: (metrics: Record<string, number>) => string = (m) => Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(' ')): string {
  const ev = p.eval ? ` | ${describeEval(p.eval)}` : '';
  return `step ${p.step}/${p.maxSteps} loss ${p.meanLoss.toFixed(4)} gnorm ${p.gradNorm.toFixed(2)} lr ${p.lr.toExponential(2)} ${Math.round(p.tokensPerSecond)} tok/s ${fmtTime(p.elapsedSeconds)} eta ${fmtTime(p.etaSeconds)}${ev}`;
}

/** Starts a run: installs the Ctrl-C handler (once) and returns the signal and printers. */
export function startTrainingRun(o: TrainingRunOptions = {}): TrainingRun {
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write('\ninterrupted: saving a checkpoint...\n');
    ac.abort();
  });
  return {
    signal: ac.signal,
    onLog: (l) => process.stderr.write(l + '\n'),
    onProgress: (p) => {
      if (!o.report || o.report(p)) process.stderr.write(progressLine(p, o.describeEval) + '\n');
    },
  };
}
