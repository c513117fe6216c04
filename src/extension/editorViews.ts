/**
 * What the curator sees in the editor: mention highlights by entity category (colours from
 * `contributes.colors`, so themes can change them), relation notes at evidence sentences that
 * never take a word's place (`biore.relationNotes`: an underline and a gutter marker with the
 * details in the hover; in `full` also the note after a line it fits on), hovers listing a
 * mention's relations, and one CodeLens per document with counts.
 * All of it reads the curation sessions; offsets become ranges only here.
 */
import { mentionOrigin } from '../core/curation/mentionOrigin';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { entityCategory, type EntityCategory } from '../core/curation/entityCategories';
import { statusCounts, type RelationRow } from '../core/curation/curatedDocument';
import { documentText } from '../core/document/document';
import { affectsSettings, readSettings } from './config';
import type { CurationSessions, FileSession } from './curationSessions';
import type { EditorDocument } from '../core/curation/editorDocuments';

const CATEGORIES: readonly EntityCategory[] = ['chemical', 'gene', 'disease', 'other'];
/** Up to this many documents a file is decorated whole; beyond, around the visible ranges. */
const SMALL_FILE_DOCUMENTS = 50;
/** How far beyond the visible ranges (in characters) a large file is decorated. */
const NEAR_CHARS = 30_000;
/** `full` notes go after a line only when line and note together stay within this many columns. */
const NOTE_FIT_COLUMNS = 120;

function mentionDecoration(category: EntityCategory): vscode.TextEditorDecorationType {
  return vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor(`biore.${category}Background`),
    borderRadius: '3px',
    overviewRulerColor: new vscode.ThemeColor(`biore.${category}Background`),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
}

/** Text of an argument for people: a mention's surface text and its concept id. */
export function argumentLabel(session: FileSession, row: RelationRow, i: number): { label: string; conceptId: string; entityType: string } {
  const arg = row.args[i];
  if (!arg) return { label: '?', conceptId: '', entityType: '' };
  const m = session.mentionFor(row.docId, arg.ref);
  const conceptId = arg.ref.kind === 'concept' ? arg.ref.id : (m?.ids.join('|') ?? '');
  return { label: m?.text ?? arg.ref.id, conceptId, entityType: m?.type ?? '' };
}

function shortRow(session: FileSession, row: RelationRow): string {
  const a = argumentLabel(session, row, 0).label;
  const b = argumentLabel(session, row, 1).label;
  const score = row.score !== undefined ? ` ${row.score.toFixed(2)}` : '';
  return `${row.type}: ${a} → ${b}${score} (${row.status})`;
}

/** Keeps every visible editor's decorations in line with its session. */
export class DecorationController implements vscode.Disposable {
  private readonly mentionTypes = new Map(CATEGORIES.map((c) => [c, mentionDecoration(c)] as const));
  /** The evidence sentence: a dotted underline (takes no space) and a marker in the gutter. */
  private readonly evidenceType: vscode.TextEditorDecorationType;
  /** `full`: the note after the end of a line (a zero-length range there), never inside text. */
  private readonly lineNoteType = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('biore.relationForeground'), margin: '0 0 0 1.5em', fontStyle: 'italic' },
  });
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly sessions: CurationSessions,
    extensionUri: vscode.Uri,
    private readonly log?: vscode.LogOutputChannel,
  ) {
    this.evidenceType = vscode.window.createTextEditorDecorationType({
      borderWidth: '0 0 1px 0',
      borderStyle: 'dotted',
      borderColor: new vscode.ThemeColor('biore.relationForeground'),
      gutterIconPath: vscode.Uri.joinPath(extensionUri, 'media', 'relation-note.svg'),
      gutterIconSize: '70%',
    });
    this.disposables.push(
      sessions.onDidChange((s) => this.updateSession(s)),
      vscode.workspace.onDidChangeConfiguration((e) => affectsSettings(e) && this.updateAll()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.updateAll()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => this.scheduleScroll(e.textEditor)),
    );
    this.updateAll();
  }

  private scrollTimer: NodeJS.Timeout | undefined;

  /** Large files are decorated around what is on screen; scrolling brings the next part in. */
  private scheduleScroll(editor: vscode.TextEditor): void {
    const session = this.sessions.get(editor.document.uri);
    if (!session || session.file.documents.length <= SMALL_FILE_DOCUMENTS) return;
    clearTimeout(this.scrollTimer);
    this.scrollTimer = setTimeout(() => this.decorate(editor, session), 40);
  }

  updateAll(): void {
    for (const s of this.sessions.all()) this.updateSession(s);
  }

  private updateSession(session: FileSession): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() === session.uri.toString()) this.decorate(editor, session);
    }
  }

  private decorate(editor: vscode.TextEditor, session: FileSession): void {
    const started = Date.now();
    const doc = editor.document;
    const byCategory = new Map<EntityCategory, vscode.DecorationOptions[]>(CATEGORIES.map((c) => [c, []]));
    const evidence: vscode.DecorationOptions[] = [];
    const lineNotes = new Map<number, string[]>();
    const notes = readSettings(doc.uri).relationNotes;
    // Files of many documents: only documents near the visible ranges (a few screens around them).
    let near = (_ed: EditorDocument): boolean => true;
    if (session.file.documents.length > SMALL_FILE_DOCUMENTS && editor.visibleRanges.length > 0) {
      const first = doc.offsetAt(editor.visibleRanges[0]!.start);
      const last = doc.offsetAt(editor.visibleRanges[editor.visibleRanges.length - 1]!.end);
      const from = Math.max(0, first - NEAR_CHARS);
      const to = last + NEAR_CHARS;
      near = (ed) => ed.fileSpan.end >= from && ed.fileSpan.start <= to;
    }
    for (const ed of session.file.documents) {
      if (!near(ed)) continue;
      const curated = session.curated(ed.doc.id);
      if (!curated) continue;
      for (const p of curated.document.passages) {
        for (const m of p.annotations) {
          for (const s of m.spans) {
            const f = ed.spanToFile(s);
            if (!f) continue;
            byCategory.get(entityCategory(m.type))!.push({ range: new vscode.Range(doc.positionAt(f.start), doc.positionAt(f.end)) });
          }
        }
      }
      // One note per evidence sentence, listing the relations it supports (not rejected ones).
      const bySentence = new Map<string, RelationRow[]>();
      for (const r of curated.rows) {
        if (!r.evidence || r.status === 'rejected' || r.status === 'gold') continue;
        const k = `${r.evidence.start}:${r.evidence.end}`;
        bySentence.set(k, [...(bySentence.get(k) ?? []), r]);
      }
      if (notes === 'off') continue;
      for (const rows of bySentence.values()) {
        const f = ed.spanToFile(rows[0]!.evidence!);
        if (!f) continue;
        const end = doc.positionAt(f.end);
        const hover = new vscode.MarkdownString(`**BioRE** evidence of ${rows.length} relation(s):\n\n${rows.map((r) => `- ${escapeMd(shortRow(session, r))}`).join('\n')}`);
        evidence.push({ range: new vscode.Range(doc.positionAt(f.start), end), hoverMessage: hover });
        if (notes === 'full') {
          const shown = rows.slice(0, 2).map((r) => shortRow(session, r)).join('; ');
          lineNotes.set(end.line, [...(lineNotes.get(end.line) ?? []), `${shown}${rows.length > 2 ? ` +${rows.length - 2} more` : ''}`]);
        }
      }
    }
    const after: vscode.DecorationOptions[] = [];
    for (const [line, texts] of lineNotes) {
      const note = `◆ ${texts.join(' · ')}`;
      const end = doc.lineAt(line).range.end;
      // After the line's last character only, and only when it fits: a note never pushes text away.
      if (end.character + note.length + 3 <= NOTE_FIT_COLUMNS) after.push({ range: new vscode.Range(end, end), renderOptions: { after: { contentText: note } } });
    }
    for (const [c, t] of this.mentionTypes) editor.setDecorations(t, byCategory.get(c)!);
    editor.setDecorations(this.evidenceType, evidence);
    editor.setDecorations(this.lineNoteType, after);
    const ms = Date.now() - started;
    if (ms > 10) this.log?.info(`decorated ${path.basename(doc.uri.path)} in ${ms} ms`);
  }

  dispose(): void {
    clearTimeout(this.scrollTimer);
    for (const t of this.mentionTypes.values()) t.dispose();
    this.evidenceType.dispose();
    this.lineNoteType.dispose();
    for (const d of this.disposables) d.dispose();
  }
}

/** Hover on a mention: its type and ids, then each relation it takes part in. */
export class MentionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly sessions: CurationSessions) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const session = this.sessions.get(doc.uri);
    const hit = session?.mentionAt(doc.offsetAt(pos));
    if (!session || !hit) return undefined;
    const { ed, curated, mention } = hit;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${escapeMd(mention.text)}** · ${escapeMd(mention.type)} · ${escapeMd(mention.ids.join('|') || 'no concept id')} — BioRE\n\n`);
    const found = mentionOrigin(mention.attributes);
    if (found) md.appendMarkdown(`_${escapeMd(found)}_\n\n`);
    const rows = session.rowsOfMention(ed.doc.id, mention);
    if (rows.length === 0) md.appendMarkdown('_No relations yet. Run **BioRE: Extract Relations**._\n');
    const text = documentText(curated.document);
    for (const r of rows) {
      const ownArg = r.args.findIndex((a) => (a.ref.kind === 'annotation' ? a.ref.id === mention.id : mention.ids.includes(a.ref.id)));
      const partner = argumentLabel(session, r, ownArg === 0 ? 1 : 0);
      const parts = [`**${escapeMd(r.type)}** with ${escapeMd(partner.label)} (${escapeMd(partner.entityType || 'concept')}, ${escapeMd(partner.conceptId || '-')})`];
      if (r.score !== undefined) parts.push(`confidence ${r.score.toFixed(2)}`);
      if (r.rule) parts.push(`proposed by the document rule ${escapeMd(r.rule)} (the model alone found no relation in this document)`);
      parts.push(r.status);
      if (r.gold) parts.push('gold: in the file');
      if (r.model) parts.push(`model ${escapeMd(path.basename(r.model))}`);
      md.appendMarkdown(`- ${parts.join(' · ')}\n`);
      if (r.evidence) md.appendMarkdown(`  > ${escapeMd(text.slice(r.evidence.start, r.evidence.end).replace(/\s+/g, ' ').slice(0, 300))}\n`);
    }
    const f = ed.spanToFile(mention.spans[0]!);
    const range = f ? new vscode.Range(doc.positionAt(f.start), doc.positionAt(f.end)) : undefined;
    return new vscode.Hover(md, range);
  }
}

function escapeMd(s: string): string {
  return s.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, (c) => `\\${c}`);
}

/** A change of more documents than this is a batch of a whole-file run (see the constructor). */
const BULK_LENS_DOCUMENTS = 3;

/** One CodeLens per document: relation counts by status, and quick actions. */
export class DocumentCountsLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly sub: vscode.Disposable;
  private settle: NodeJS.Timeout | undefined;

  constructor(private readonly sessions: CurationSessions) {
    this.sub = sessions.onDidChangeDocuments(({ docIds }) => {
      // The window asks for every lens of the file again on each refresh and lays all of them out
      // (500 documents: a long frame on a busy 2-core machine). A change of a few documents (a
      // decision, a one-document extraction) refreshes at once; a batch of a whole-file run only
      // once the batches stop, so the window keeps its frames while the run goes on.
      const bulk = docIds !== undefined && docIds.length > BULK_LENS_DOCUMENTS;
      if (!bulk) this.emitter.fire();
      // Once more when changes settle: the editor debounces CodeLens requests, and a request it
      // started during a burst could otherwise leave stale counts on screen. After a batch the
      // wait is longer than the pause between batches (SAVE_BATCH_MS plus a sidecar write).
      clearTimeout(this.settle);
      this.settle = setTimeout(() => this.emitter.fire(), bulk ? 1500 : 600);
    });
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const session = this.sessions.get(doc.uri);
    if (!session) return [];
    const out: vscode.CodeLens[] = [];
    for (const ed of session.file.documents) {
      const rows = session.curated(ed.doc.id)?.rows ?? [];
      const c = statusCounts(rows);
      const at = doc.positionAt(ed.fileSpan.start);
      const range = new vscode.Range(at, at);
      const title = `BioRE ${ed.doc.id}: ${c.suggested} suggested · ${c.accepted} accepted · ${c.rejected} rejected · ${c.added} added · ${c.gold} gold`;
      out.push(new vscode.CodeLens(range, { title, command: 'biore.openPanel', arguments: [] }));
      out.push(new vscode.CodeLens(range, { title: 'Extract relations', command: 'biore.extractRelations', arguments: [{ uri: doc.uri.toString(), docId: ed.doc.id }] }));
    }
    return out;
  }

  dispose(): void {
    clearTimeout(this.settle);
    this.sub.dispose();
    this.emitter.dispose();
  }
}

/** Outline (documents by id) and folding (one region per document) for curated files. */
export class DocumentOutlineProvider implements vscode.DocumentSymbolProvider, vscode.FoldingRangeProvider {
  constructor(private readonly sessions: CurationSessions) {}

  private async session(doc: vscode.TextDocument): Promise<FileSession | undefined> {
    return this.sessions.get(doc.uri) ?? (await this.sessions.open(doc));
  }

  async provideDocumentSymbols(doc: vscode.TextDocument): Promise<vscode.DocumentSymbol[]> {
    const s = await this.session(doc);
    return (s?.file.documents ?? []).map((ed) => {
      const range = new vscode.Range(doc.positionAt(ed.fileSpan.start), doc.positionAt(ed.fileSpan.end));
      const title = ed.doc.passages[0]?.text.slice(0, 80) ?? '';
      return new vscode.DocumentSymbol(ed.doc.id, title, vscode.SymbolKind.Module, range, range);
    });
  }

  async provideFoldingRanges(doc: vscode.TextDocument): Promise<vscode.FoldingRange[]> {
    const s = await this.session(doc);
    return (s?.file.documents ?? [])
      .map((ed) => new vscode.FoldingRange(doc.positionAt(ed.fileSpan.start).line, doc.positionAt(ed.fileSpan.end).line))
      .filter((r) => r.end > r.start);
  }
}
