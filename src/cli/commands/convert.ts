import * as fs from 'node:fs';
import type { Command } from 'commander';
import {
  DOCUMENT_FORMATS,
  detectFormat,
  documentWriter,
  emptyInputError,
  parseFormatName,
  readDocuments,
  type CollectionHeader,
  type DocumentFormat,
} from '../../core/formats/formatIo';
import { UserError } from '../userError';
import { progressBar } from '../progress';
import { openOutput } from '../outputFile';

function formatOption(value: string | undefined, what: string): DocumentFormat | undefined {
  if (value === undefined) return undefined;
  const f = parseFormatName(value);
  if (!f) throw new UserError(`unknown ${what} format "${value}" (use one of ${DOCUMENT_FORMATS.join(', ')})`);
  return f;
}

/** Stream-convert one file; returns the number of documents. Writes to a temp file, then renames. */
export async function convertFile(input: string, output: string, from: DocumentFormat, to: DocumentFormat): Promise<number> {
  const writer = documentWriter(to);
  const out = openOutput(output === '-' ? undefined : output);
  const write = out.write;
  const total = input === '-' ? 0 : fs.statSync(input).size;
  const bar = progressBar('convert', total);
  let header: CollectionHeader = { source: '', date: '', key: '', attributes: {} };
  let count = 0;
  let started = false;
  try {
    for await (const doc of readDocuments(input, from, (h) => (header = h))) {
      if (!started) {
        await write(writer.begin(header));
        started = true;
      }
      await write(writer.document(doc));
      count++;
      if (count % 200 === 0) bar.update(out.bytesWritten());
    }
    if (count === 0) throw emptyInputError(input);
    await write(writer.end());
  } catch (e) {
    bar.stop();
    out.abort();
    throw e;
  }
  bar.stop();
  await out.commit();
  return count;
}

export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert between PubTator, BioC XML, BioC JSON and plain text (streaming)')
    .argument('<in>', 'input file, or - for stdin')
    .argument('<out>', 'output file, or - for stdout')
    .option('--from <format>', `input format (${DOCUMENT_FORMATS.join('|')}); default: from the file`)
    .option('--to <format>', `output format (${DOCUMENT_FORMATS.join('|')}); default: from the output extension`)
    .action(async (input: string, output: string, opts: { from?: string; to?: string }) => {
      const from = formatOption(opts.from, 'input') ?? detectFormat(input);
      const to = formatOption(opts.to, 'output') ?? (output === '-' ? undefined : detectFormat(output));
      if (!to) throw new UserError('writing to stdout needs --to <format>');
      if (input !== '-' && !fs.existsSync(input)) throw new UserError(`${input}: no such file`);
      const n = await convertFile(input, output, from, to);
      process.stderr.write(`converted ${n} documents from ${from} to ${to}\n`);
    });
}
