/**
 * Progress on stderr for long work: a cli-progress bar on a terminal, nothing when piped
 * (so redirected output and CI logs stay clean).
 */
import { SingleBar, Presets } from 'cli-progress';

export interface ProgressReporter {
  update(done: number, total?: number): void;
  stop(): void;
}

/** A progress bar for `label`, sized `total` (units of your choice, e.g. bytes or documents). */
export function progressBar(label: string, total: number): ProgressReporter {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {percentage}% | ETA {eta_formatted} | {value}/{total}`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update(done, t) {
      if (t !== undefined) bar.setTotal(t);
      bar.update(done);
    },
    stop() {
      bar.stop();
    },
  };
}
