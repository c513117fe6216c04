/**
 * Streamed command output that never leaves a half-written file: text goes to `<out>.tmp-<pid>`
 * and is renamed into place on `commit()`; `abort()` removes it. Without a path it is stdout.
 * Writes wait for `drain`, so large outputs stream in bounded memory.
 */
import * as fs from 'node:fs';

export interface OutputFile {
  write(s: string): Promise<void>;
  /** Bytes written so far (0 for stdout). */
  bytesWritten(): number;
  /** Close the file and move it to its final name. */
  commit(): Promise<void>;
  /** Drop the partial file. */
  abort(): void;
}

export function openOutput(file: string | undefined): OutputFile {
  const tmp = file ? `${file}.tmp-${process.pid}` : '';
  const stream = file ? fs.createWriteStream(tmp) : undefined;
  // A write still in flight when the command fails and aborts must not surface later as an
  // unhandled 'error' event (ERR_STREAM_DESTROYED); the first real error is kept for the next write.
  let failure: Error | undefined;
  let aborted = false;
  stream?.on('error', (e) => {
    if (!aborted) failure ??= e;
  });
  const out = stream ?? process.stdout;
  return {
    async write(s) {
      if (failure) throw failure;
      if (s && !out.write(s)) {
        await new Promise<void>((resolve, reject) => {
          const onDrain = (): void => (out.removeListener('error', onError), resolve());
          const onError = (e: Error): void => (out.removeListener('drain', onDrain), reject(e));
          out.once('drain', onDrain);
          out.once('error', onError);
        });
      }
    },
    bytesWritten: () => stream?.bytesWritten ?? 0,
    async commit() {
      if (!stream || !file) return;
      await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
      if (failure) throw failure;
      fs.renameSync(tmp, file);
    },
    abort() {
      if (!stream) return;
      aborted = true;
      stream.destroy();
      fs.rmSync(tmp, { force: true });
    },
  };
}
