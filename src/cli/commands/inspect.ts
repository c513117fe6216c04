import type { Command } from 'commander';
import { detectFormat, parseFormatName, readDocuments } from '../../core/formats/formatIo';
import { checkOffsets, documentAnnotations, documentText } from '../../core/document/document';
import { UserError } from '../userError';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('list the documents, mentions and relations of a file, and check its offsets')
    .argument('<file>', 'PubTator, BioC XML, BioC JSON or text file')
    .option('--from <format>', 'input format; default: from the file')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { from?: string; json?: boolean }) => {
      const format = opts.from ? parseFormatName(opts.from) : detectFormat(file);
      if (!format) throw new UserError(`unknown format "${opts.from}"`);
      const rows = [];
      for await (const doc of readDocuments(file, format)) {
        const text = documentText(doc);
        const mentions = documentAnnotations(doc);
        const byId = new Map(mentions.map((m) => [m.id, m]));
        const row = {
          id: doc.id,
          characters: text.length,
          mentions: mentions.map((m) => ({ type: m.type, text: m.text, spans: m.spans, ids: m.ids })),
          relations: doc.relations.map((r) => ({
            type: r.type,
            args: r.args.map((a) => (a.ref.kind === 'concept' ? a.ref.id : (byId.get(a.ref.id)?.text ?? a.ref.id))),
            ...(r.score === undefined ? {} : { score: r.score }),
          })),
          offsetMismatches: checkOffsets(doc).length,
        };
        rows.push(row);
      }
      if (opts.json) {
        process.stdout.write(JSON.stringify(rows, null, 1) + '\n');
        return;
      }
      for (const r of rows) {
        process.stdout.write(`document ${r.id}: ${r.characters} characters, ${r.mentions.length} mentions, ${r.relations.length} relations, ${r.offsetMismatches} offset mismatches\n`);
        for (const m of r.mentions) {
          process.stdout.write(`  ${m.spans.map((s) => `${s.start}-${s.end}`).join(',')}\t${m.type}\t${m.text}\t${m.ids.join('|') || '-'}\n`);
        }
        for (const rel of r.relations) process.stdout.write(`  ${rel.type}(${rel.args.join(', ')})\n`);
      }
    });
}
