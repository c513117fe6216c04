/**
 * A curation session: one curated file, its sidecar, the curated documents replayed from both,
 * and the only way to change them. The extension keeps one per open file (extension/
 * curationSessions.ts adds editor events and diagnostics); tests drive it directly.
 */
import type { CuratedDocument, RelationRow } from './curatedDocument';
import { curateDocument } from './curatedDocument';
import type { CurationStore } from './curationStore';
import type { Decision, DecisionBody, Suggestion } from './decisions';
import { readEditorFileAsync, type EditorDocument, type EditorFile } from './editorDocuments';
import { annotationExtent, type Annotation } from '../document/document';

/** A mention under a file offset. */
export interface MentionHit {
  ed: EditorDocument;
  curated: CuratedDocument;
  mention: Annotation;
}

/**
 * One curated file: the file as read (documents, offset maps, problems), its sidecar store, and
 * the curated documents replayed from it. Every change goes through here (decide, decide many,
 * undo, set suggestions): each one is recorded and saved by the store, the documents it touched
 * are replayed, and listeners hear which ones, in that one call. `U` is the caller's handle for
 * the file (the extension's vscode.Uri); only its `path` is read.
 */
export class CurationSession<U extends { readonly path: string } = { readonly path: string }> {
  private curatedDocs = new Map<string, CuratedDocument>();
  private readVersion = 0;
  private readonly listeners = new Set<(docIds: readonly string[]) => void>();

  private constructor(
    readonly uri: U,
    public file: EditorFile,
    readonly store: CurationStore,
  ) {}

  /** Reads the file and replays its curation, a slice at a time (large files never block the host). */
  static async create<U extends { readonly path: string }>(uri: U, text: string, store: CurationStore): Promise<CurationSession<U>> {
    const session = new CurationSession(uri, await readEditorFileAsync(text, uri.path), store);
    await session.recomputeAll();
    return session;
  }

  /** Re-reads the file after an edit; false when a newer edit overtook this read. */
  async reread(text: string): Promise<boolean> {
    const version = ++this.readVersion;
    const file = await readEditorFileAsync(text, this.uri.path);
    if (version !== this.readVersion) return false;
    this.file = file;
    await this.recomputeAll();
    return true;
  }

  /** Replays the sidecar over every document, yielding to the event loop between slices. */
  async recomputeAll(): Promise<void> {
    const next = new Map<string, CuratedDocument>();
    let since = Date.now();
    for (const ed of this.file.documents) {
      next.set(ed.doc.id, curateDocument(ed.doc, this.store.suggestionsOf(ed.doc.id), this.store.decisions));
      if (Date.now() - since > 15) {
        await new Promise((r) => setImmediate(r));
        since = Date.now();
      }
    }
    this.curatedDocs = next;
  }

  /** Listens to recorded changes (the ids of the documents they touched); returns the unsubscribe. */
  onDidChange(listener: (docIds: readonly string[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records a decision about one document (saved before this resolves), replays it, notifies. */
  async decide(docId: string, body: DecisionBody): Promise<Decision> {
    const d = await this.store.record(docId, body);
    this.changed([docId]);
    return d;
  }

  /** Records several decisions with one sidecar write (bulk accept), replays, notifies. */
  async decideMany(items: ReadonlyArray<{ docId: string; body: DecisionBody }>): Promise<Decision[]> {
    const out = await this.store.recordMany(items);
    if (out.length) this.changed(items.map((i) => i.docId));
    return out;
  }

  /** Reverts the latest decision in force (of `docId`, when given); undefined when none is left. */
  async undo(docId?: string): Promise<Decision | undefined> {
    const target = await this.store.undo(docId);
    if (target) this.changed([target.docId]);
    return target;
  }

  /** Replaces one document's suggestions (a new extraction run), replays, notifies. */
  async setSuggestions(docId: string, suggestions: readonly Suggestion[]): Promise<void> {
    await this.store.setSuggestions(docId, suggestions);
    this.changed([docId]);
  }

  /** Replaces several documents' suggestions with one sidecar write, replays them, notifies once. */
  async setSuggestionsMany(items: ReadonlyArray<{ docId: string; suggestions: readonly Suggestion[] }>): Promise<void> {
    if (items.length === 0) return;
    await this.store.setSuggestionsMany(items);
    this.changed(items.map((i) => i.docId));
  }

  /** A fresh id for a mention the curator (or Detect Mentions) adds. */
  newMentionId(): string {
    return `cm${this.store.nextSeq}`;
  }

  private changed(docIds: readonly string[]): void {
    const ids = [...new Set(docIds)];
    for (const id of ids) this.recomputeDocument(id);
    for (const l of this.listeners) l(ids);
  }

  /** Replays one document (after a decision about it). */
  recomputeDocument(docId: string): void {
    const ed = this.editorDocument(docId);
    if (ed) this.curatedDocs.set(docId, curateDocument(ed.doc, this.store.suggestionsOf(docId), this.store.decisions));
  }

  curated(docId: string): CuratedDocument | undefined {
    return this.curatedDocs.get(docId);
  }

  editorDocument(docId: string): EditorDocument | undefined {
    return this.file.documents.find((d) => d.doc.id === docId);
  }

  /** All rows of all documents, in file order. */
  rows(): RelationRow[] {
    return this.file.documents.flatMap((ed) => this.curatedDocs.get(ed.doc.id)?.rows ?? []);
  }

  /** The document whose lines hold a file offset, else the last one starting before it. */
  documentAt(fileOffset: number): EditorDocument | undefined {
    let best: EditorDocument | undefined;
    for (const ed of this.file.documents) {
      if (ed.fileSpan.start <= fileOffset) best = ed;
      if (fileOffset <= ed.fileSpan.end && fileOffset >= ed.fileSpan.start) return ed;
    }
    return best ?? this.file.documents[0];
  }

  /** The (curated) mention at a file offset. */
  mentionAt(fileOffset: number): MentionHit | undefined {
    const ed = this.documentAt(fileOffset);
    if (!ed) return undefined;
    const off = ed.fromFile(fileOffset);
    const curated = this.curatedDocs.get(ed.doc.id);
    if (off === undefined || !curated) return undefined;
    for (const p of curated.document.passages) {
      for (const m of p.annotations) {
        if (m.spans.some((s) => off >= s.start && off <= s.end)) return { ed, curated, mention: m };
      }
    }
    return undefined;
  }

  /** Rows in which a mention takes part (as itself or through its concept ids). */
  rowsOfMention(docId: string, m: Annotation): RelationRow[] {
    const rows = this.curatedDocs.get(docId)?.rows ?? [];
    return rows.filter((r) => r.args.some((a) => (a.ref.kind === 'annotation' ? a.ref.id === m.id : m.ids.includes(a.ref.id))));
  }

  /** First mention of a concept id or the mention with an id, for labels. */
  mentionFor(docId: string, ref: { kind: 'annotation' | 'concept'; id: string }): Annotation | undefined {
    const doc = this.curatedDocs.get(docId)?.document;
    if (!doc) return undefined;
    const all = doc.passages.flatMap((p) => p.annotations).sort((a, b) => annotationExtent(a).start - annotationExtent(b).start);
    return all.find((a) => (ref.kind === 'annotation' ? a.id === ref.id : a.ids.includes(ref.id)));
  }
}

