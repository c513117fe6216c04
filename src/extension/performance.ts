/**
 * Measures what the curator would feel: the extension host's event-loop delay since activation
 * (a long synchronous parse or replay shows up here) and how long each file took to read.
 * `BioRE: Show Performance` reports both; the e2e suite reads that report.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class PerformanceMonitor {
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly opens: Array<{ file: string; documents: number; ms: number }> = [];
  /** The longest stalls seen by a 20 ms ticker, with when they ended (to match against the log). */
  private readonly stalls: Array<{ at: string; ms: number }> = [];
  private readonly ticker: NodeJS.Timeout;

  constructor() {
    this.loop.enable();
    let last = Date.now();
    this.ticker = setInterval(() => {
      const now = Date.now();
      const stall = now - last - 20;
      last = now;
      if (stall < 50) return;
      this.stalls.push({ at: new Date(now).toISOString().slice(11, 23), ms: stall });
      this.stalls.sort((a, b) => b.ms - a.ms).splice(5);
    }, 20);
    this.ticker.unref();
  }

  recordOpen(file: string, documents: number, ms: number): void {
    this.opens.push({ file, documents, ms });
    if (this.opens.length > 20) this.opens.shift();
  }

  /** One line: event-loop delay (max and p99, ms) since the previous report, and the file reads. */
  report(): string {
    const line = this.describe();
    this.loop.reset();
    this.stalls.length = 0;
    this.since = 'the previous report';
    return line;
  }

  private since = 'activation';

  private describe(): string {
    const ms = (ns: number): string => (ns / 1e6).toFixed(0);
    const opens = this.opens.map((o) => `${o.file} (${o.documents} documents) read in ${o.ms} ms`).join('; ');
    const stalls = this.stalls.map((s) => `${s.ms} ms at ${s.at}`).join(', ');
    return `event loop delay max ${ms(this.loop.max)} ms, p99 ${ms(this.loop.percentile(99))} ms since ${this.since} (stalls over 50 ms: ${stalls || 'none'}); ${opens || 'no file read yet'}`;
  }

  dispose(): void {
    clearInterval(this.ticker);
    this.loop.disable();
  }
}
