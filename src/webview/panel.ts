/**
 * The BioRE panel (browser side). Renders the host's snapshot, then applies its deltas (the rows
 * of the documents that changed): relation rows grouped by document, filters, sort by confidence
 * (default) or uncertainty, per-type counts and a confidence histogram. The list is virtualized:
 * rows have a fixed height and only those in view (plus a margin) are in the DOM, so a 3,000-row
 * file costs what one screen costs. The curator triages from the keyboard (j/k or arrows to move,
 * a accept, r reject, u undo, Enter jump to evidence) or with the buttons. It never changes
 * curation state itself: it sends intents, shows the verdict at once as pending, and the host's
 * delta confirms it. Only view state is kept (getState/setState).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { HostToPanel, PanelDelta, PanelRow, PanelSnapshot, PanelToHost } from '../protocol/panel';

interface ViewState {
  typeFilter: string;
  statusFilter: string;
  sort: 'confidence' | 'uncertainty' | 'document';
  selected?: string | undefined;
  bulkThreshold?: string;
  /** The file last shown, and where its list was scrolled (another file starts at its focus document). */
  fileName?: string | undefined;
  scrollTop?: number;
}

declare function acquireVsCodeApi(): { postMessage(m: PanelToHost): void; getState(): ViewState | undefined; setState(s: ViewState): void };

/** Fixed heights (px) of a document header and of a row: what makes the list virtual. Must match media/panel.css. */
const DOC_H = 28;
const ROW_H = 48;
/** Rows rendered above and below the visible part. */
const OVERSCAN = 8;

type Item = { kind: 'doc'; docId: string; count: number } | { kind: 'row'; row: PanelRow };

const vscode = acquireVsCodeApi();
const stored = vscode.getState();
// Older panels stored "uncertainty" as the default; confidence-first is the default now.
const view: ViewState = { typeFilter: '', statusFilter: 'open', sort: 'confidence', ...(stored ?? {}) };
let meta: Omit<PanelSnapshot, 'rows'> = { documents: [], threshold: 0.5, model: '' };
let rowsByDoc = new Map<string, PanelRow[]>();
let titles = new Map<string, string>();
/** Verdicts sent but not yet confirmed by a delta. */
const pending = new Map<string, 'accepted' | 'rejected'>();
let visible: PanelRow[] = [];
let items: Item[] = [];
/** Top offset of each item; tops[items.length] is the list's height. */
let tops: number[] = [0];
const itemOfRow = new Map<string, number>();

const app = document.getElementById('app')!;
const rowId = (r: { docId: string; key: string }): string => `${r.docId}\n${r.key}`;
const send = (m: PanelToHost): void => vscode.postMessage(m);
const save = (): void => vscode.setState(view);

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K];
function el(tag: string, cls?: string, text?: string): HTMLElement;
function el(tag: string, cls?: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// The page: header parts are built once per snapshot; the list keeps its elements and only
// swaps the rows in view.
const titleBox = el('div', 'title');
const toolbarBox = el('div', 'toolbar');
const summaryBox = el('div', 'summary');
const keysBox = el('div', 'keys', 'Keys: j/k or ↓/↑ move · a accept · r reject · u undo · Enter evidence');
const list = el('div', 'list');
list.setAttribute('role', 'listbox');
const spacer = el('div', 'spacer');
const windowBox = el('div', 'window');
const emptyBox = el('div', 'empty');
spacer.append(windowBox);
list.append(spacer, emptyBox);
app.append(titleBox, toolbarBox, summaryBox, keysBox, list);

function allRows(): PanelRow[] {
  const out: PanelRow[] = [];
  for (const d of meta.documents) out.push(...(rowsByDoc.get(d.id) ?? []));
  return out;
}

function matchesStatus(r: PanelRow): boolean {
  switch (view.statusFilter) {
    case '':
      return true;
    case 'open':
      return r.status === 'suggested';
    default:
      return r.status === view.statusFilter;
  }
}

/** One document's rows that pass the filters, by confidence (highest first), uncertainty (nearest 0.5 first) or as the file has them. */
function documentVisible(docId: string): PanelRow[] {
  const rows = (rowsByDoc.get(docId) ?? []).filter((r) => (view.typeFilter === '' || r.type === view.typeFilter) && matchesStatus(r));
  const score = (r: PanelRow): number => r.score ?? 1;
  if (view.sort === 'confidence') rows.sort((a, b) => score(b) - score(a));
  else if (view.sort === 'uncertainty') rows.sort((a, b) => Math.abs(score(a) - 0.5) - Math.abs(score(b) - 0.5));
  return rows;
}

/** Each document's visible rows; a delta recomputes only the documents it names. */
let visibleByDoc = new Map<string, PanelRow[]>();

/**
 * Recomputes the visible rows (of the `changed` documents only, when given: rows are grouped by
 * document, so the others keep their order) and the item offsets (O(rows), no sort); then the
 * summary and the rows in view.
 */
function rebuild(changed?: readonly string[]): void {
  const rows = allRows();
  if (changed) for (const id of changed) visibleByDoc.set(id, documentVisible(id));
  else visibleByDoc = new Map(meta.documents.map((d) => [d.id, documentVisible(d.id)] as const));
  visible = [];
  for (const d of meta.documents) for (const r of visibleByDoc.get(d.id) ?? []) visible.push(r);
  items = [];
  tops = [0];
  itemOfRow.clear();
  let doc = '';
  for (const r of visible) {
    if (r.docId !== doc) {
      doc = r.docId;
      items.push({ kind: 'doc', docId: doc, count: 0 });
      tops.push(tops[tops.length - 1]! + DOC_H);
    }
    itemOfRow.set(rowId(r), items.length);
    items.push({ kind: 'row', row: r });
    tops.push(tops[tops.length - 1]! + ROW_H);
  }
  // Document header counts.
  let head: Extract<Item, { kind: 'doc' }> | undefined;
  for (const it of items) {
    if (it.kind === 'doc') head = it;
    else if (head) head.count++;
  }
  if (view.selected === undefined || !itemOfRow.has(view.selected)) view.selected = visible[0] ? rowId(visible[0]) : undefined;
  spacer.style.height = `${tops[items.length]}px`;
  renderSummary(rows);
  renderEmpty(rows);
  renderWindow();
  save();
}

function renderEmpty(rows: PanelRow[]): void {
  if (visible.length > 0) {
    emptyBox.textContent = '';
    emptyBox.hidden = true;
    return;
  }
  emptyBox.hidden = false;
  if (rows.length === 0) {
    emptyBox.textContent = meta.fileName ? 'No relations yet: run “BioRE: Extract Relations”.' : 'Open a curated file (PubTator, BioC XML or JSON, or text).';
    return;
  }
  const open = rows.filter((r) => r.status === 'suggested').length;
  if (open === 0 && view.statusFilter === 'open') {
    const c = countBy(rows);
    emptyBox.textContent = `All ${rows.length} relations of this file are reviewed: ${c['accepted'] ?? 0} accepted · ${c['rejected'] ?? 0} rejected · ${c['added'] ?? 0} added · ${c['gold'] ?? 0} gold. Pick “All statuses” to see them; Export Curated writes them out.`;
    return;
  }
  emptyBox.textContent = `Nothing matches the filters (${open} still to review in this file).`;
}

function countBy(rows: PanelRow[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const r of rows) c[r.status] = (c[r.status] ?? 0) + 1;
  return c;
}

/** Index of the last item whose top is at or above `y`. */
function itemAt(y: number): number {
  let lo = 0;
  let hi = items.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (tops[mid]! <= y) lo = mid;
    else hi = mid - 1;
  }
  return Math.max(0, lo);
}

/** Puts the items in view (and OVERSCAN around them) into the DOM. */
function renderWindow(): void {
  if (items.length === 0) {
    windowKey = '';
    windowBox.replaceChildren();
    return;
  }
  const top = list.scrollTop;
  const height = list.clientHeight || 600;
  const first = Math.max(0, itemAt(top) - OVERSCAN);
  const last = Math.min(items.length - 1, itemAt(top + height) + OVERSCAN);
  // A delta for documents out of view leaves the rows in view as they were: no DOM work then, so
  // the window is not laid out again on every delta of a whole-file run.
  const key = [first, tops[first], view.selected, ...items.slice(first, last + 1).map(itemKey)].join('\n');
  if (key === windowKey) return;
  windowKey = key;
  const nodes: HTMLElement[] = [];
  for (let i = first; i <= last; i++) nodes.push(renderItem(items[i]!));
  windowBox.style.transform = `translateY(${tops[first]}px)`;
  windowBox.replaceChildren(...nodes);
}

/** What the rows in view were rendered from (see renderWindow). */
let windowKey = '';
/** A number per row object: a delta replaces the row objects of the documents it names, so a new object is new content. */
const renderedRows = new WeakMap<PanelRow, number>();
let nextRowVersion = 1;

function itemKey(it: Item): string {
  if (it.kind === 'doc') return `d ${it.docId} ${it.count} ${titles.get(it.docId) ?? ''}`;
  let version = renderedRows.get(it.row);
  if (version === undefined) renderedRows.set(it.row, (version = nextRowVersion++));
  const id = rowId(it.row);
  return `r ${version} ${pending.get(id) ?? ''}`;
}

function renderItem(it: Item): HTMLElement {
  if (it.kind === 'doc') return el('div', 'doc-head', `${it.docId} · ${it.count} relation(s) · ${titles.get(it.docId) ?? ''}`);
  const r = it.row;
  const id = rowId(r);
  const status = pending.get(id) ?? r.status;
  const row = el('div', `row status-${status}${pending.has(id) ? ' pending' : ''}${id === view.selected ? ' selected' : ''}`);
  row.dataset['id'] = id;
  row.setAttribute('role', 'option');
  const head = el('div', 'row-head');
  head.append(
    el('span', 'rel-type', r.type),
    el('span', 'arg', `${r.args[0]?.label ?? '?'} (${r.args[0]?.conceptId || '-'})`),
    el('span', 'arrow', '→'),
    el('span', 'arg', `${r.args[1]?.label ?? '?'} (${r.args[1]?.conceptId || '-'})`),
    el('span', 'score', r.score !== undefined ? r.score.toFixed(2) : '–'),
    el('span', 'badge', status),
  );
  if (r.gold) head.append(el('span', 'gold', 'gold'));
  const actions = el('span', 'actions');
  for (const [act, text] of [['accept', 'Accept'], ['reject', 'Reject'], ['evidence', 'Evidence']] as const) {
    const b = el('button', `act act-${act}`, text);
    b.dataset['act'] = act;
    actions.append(b);
  }
  head.append(actions);
  row.append(head, el('div', 'evidence', r.evidence ?? ''));
  return row;
}

function rowById(id: string | undefined): PanelRow | undefined {
  const i = id === undefined ? undefined : itemOfRow.get(id);
  const it = i === undefined ? undefined : items[i];
  return it?.kind === 'row' ? it.row : undefined;
}

/** Scrolls so that the selected row is in view (the scroll handler then renders the window). */
function ensureSelectedInView(): void {
  const i = view.selected === undefined ? undefined : itemOfRow.get(view.selected);
  if (i === undefined) return;
  const top = tops[i]!;
  const bottom = tops[i + 1]!;
  const height = list.clientHeight || 600;
  if (top < list.scrollTop) list.scrollTop = Math.max(0, top - DOC_H);
  else if (bottom > list.scrollTop + height) list.scrollTop = bottom - height;
}

function select(id: string | undefined, scroll = true): void {
  view.selected = id;
  save();
  if (scroll) ensureSelectedInView();
  renderWindow();
}

function move(delta: number): void {
  if (visible.length === 0) return;
  const cur = view.selected === undefined ? -1 : visible.findIndex((r) => rowId(r) === view.selected);
  const next = cur < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, cur + delta));
  select(rowId(visible[next]!));
}

function verdict(v: 'accepted' | 'rejected', row = rowById(view.selected)): void {
  if (!row) return;
  const id = rowId(row);
  pending.set(id, v);
  // Move on at once so triage flows; the host's delta confirms the verdict.
  if (id === view.selected) {
    const i = visible.indexOf(row);
    const next = visible.slice(i + 1).find((r) => !pending.has(rowId(r))) ?? visible.slice(0, i).reverse().find((r) => !pending.has(rowId(r)));
    view.selected = next ? rowId(next) : id;
  }
  select(view.selected);
  send({ type: 'relation/verdict', docId: row.docId, key: row.key, verdict: v });
}

function selectEl(options: Array<[string, string]>, value: string, onChange: (v: string) => void, label: string): HTMLElement {
  const s = el('vscode-single-select');
  s.setAttribute('aria-label', label);
  for (const [v, text] of options) {
    const o = el('vscode-option', undefined, text);
    o.setAttribute('value', v);
    if (v === value) o.setAttribute('selected', '');
    s.appendChild(o);
  }
  s.addEventListener('change', () => onChange((s as unknown as { value: string }).value));
  return s;
}

function button(text: string, onClick: () => void, secondary = false): HTMLElement {
  const b = el('vscode-button', undefined, text);
  if (secondary) b.setAttribute('secondary', '');
  b.addEventListener('click', (e) => {
    e.stopPropagation();
    onClick();
  });
  return b;
}

let toolbarTypes = '';

/** The toolbar, rebuilt only when the file's relation types change (its controls are web components). */
function renderToolbar(force = false): void {
  const types = [...new Set(allRows().map((r) => r.type))].sort();
  if (!force && types.join('\n') === toolbarTypes) return;
  toolbarTypes = types.join('\n');
  const refilter = (): void => {
    save();
    rebuild();
  };
  const t = el('vscode-textfield');
  t.setAttribute('id', 'bulk-threshold');
  t.setAttribute('aria-label', 'Bulk accept threshold');
  t.setAttribute('value', view.bulkThreshold ?? String(meta.threshold));
  t.addEventListener('input', () => ((view.bulkThreshold = (t as unknown as { value: string }).value), save()));
  toolbarBox.replaceChildren(
    selectEl([['', 'All types'], ...types.map((x) => [x, x] as [string, string])], view.typeFilter, (v) => ((view.typeFilter = v), refilter()), 'Filter by type'),
    selectEl(
      [['open', 'To review'], ['', 'All statuses'], ['accepted', 'Accepted'], ['rejected', 'Rejected'], ['added', 'Added'], ['gold', 'Gold']],
      view.statusFilter,
      (v) => ((view.statusFilter = v), refilter()),
      'Filter by status',
    ),
    selectEl(
      [['confidence', 'Most confident first'], ['uncertainty', 'Most uncertain first (active learning)'], ['document', 'Document order']],
      view.sort,
      (v) => ((view.sort = v as ViewState['sort']), refilter()),
      'Sort',
    ),
    t,
    button('Accept all ≥ threshold', () => {
      const threshold = Number(view.bulkThreshold ?? meta.threshold);
      if (!Number.isFinite(threshold)) return;
      send({ type: 'relation/bulkAccept', threshold, keys: visible.filter((r) => r.status === 'suggested').map((r) => ({ docId: r.docId, key: r.key })) });
    }),
    button('Undo', () => send({ type: 'relation/undo' }), true),
  );
}

let summaryKey = '';

function renderSummary(rows: PanelRow[]): void {
  const counts = new Map<string, Record<string, number>>();
  const bins = new Array<number>(10).fill(0);
  for (const r of rows) {
    const c = counts.get(r.type) ?? {};
    c[r.status] = (c[r.status] ?? 0) + 1;
    counts.set(r.type, c);
    if (r.score !== undefined) bins[Math.min(9, Math.floor(r.score * 10))]!++;
  }
  const statuses = ['suggested', 'accepted', 'rejected', 'added', 'gold'];
  const key = JSON.stringify([[...counts].sort(), bins]);
  if (key === summaryKey) return;
  summaryKey = key;
  const table = el('table', 'counts');
  const head = el('tr');
  for (const h of ['type', ...statuses]) head.append(el('th', undefined, h));
  table.append(head);
  for (const [type, c] of [...counts].sort()) {
    const tr = el('tr');
    tr.append(el('td', undefined, type), ...statuses.map((s) => el('td', undefined, String(c[s] ?? 0))));
    table.append(tr);
  }
  const hist = el('div', 'histogram');
  hist.setAttribute('title', 'Confidence histogram of the model’s suggestions (0 → 1)');
  const max = Math.max(1, ...bins);
  bins.forEach((n, i) => {
    const bar = el('div', 'bin');
    bar.style.height = `${Math.round((n / max) * 100)}%`;
    bar.title = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n}`;
    hist.append(bar);
  });
  summaryBox.replaceChildren(table, hist);
}

function applySnapshot(s: PanelSnapshot): void {
  const { rows, ...rest } = s;
  const sameFile = s.fileName !== undefined && s.fileName === view.fileName;
  meta = rest;
  titles = new Map(s.documents.map((d) => [d.id, d.title] as const));
  rowsByDoc = new Map();
  for (const r of rows) {
    const list = rowsByDoc.get(r.docId);
    if (list) list.push(r);
    else rowsByDoc.set(r.docId, [r]);
  }
  pending.clear();
  const title = el('h2', undefined, s.fileName ? `BioRE · ${s.fileName}` : 'BioRE · open a curated file');
  titleBox.replaceChildren(title, el('span', 'model', s.model ? `model: ${s.model}` : ''));
  renderToolbar(true);
  if (!sameFile) {
    // Another file: start at the document under the editor's cursor, not where the last file was.
    view.fileName = s.fileName;
    view.selected = undefined;
    list.scrollTop = 0;
  }
  rebuild();
  if (!sameFile && s.focusDocId) {
    const first = visible.find((r) => r.docId === s.focusDocId);
    if (first) view.selected = rowId(first);
  }
  if (sameFile && view.scrollTop !== undefined && list.scrollTop === 0) list.scrollTop = view.scrollTop;
  select(view.selected);
}

function applyDelta(d: PanelDelta): void {
  if (d.fileName !== meta.fileName) return;
  for (const doc of d.documents) {
    for (const r of rowsByDoc.get(doc.id) ?? []) pending.delete(rowId(r));
    rowsByDoc.set(doc.id, doc.rows);
  }
  renderToolbar();
  if (d.focus) view.selected = rowId(d.focus);
  rebuild(d.documents.map((x) => x.id));
  if (d.focus) select(view.selected);
}

window.addEventListener('message', (e: MessageEvent<HostToPanel>) => {
  if (e.data.type === 'panel/state') applySnapshot(e.data.snapshot);
  else if (e.data.type === 'panel/delta') applyDelta(e.data.delta);
});

let scrollFrame = 0;
list.addEventListener('scroll', () => {
  if (scrollFrame) return;
  scrollFrame = requestAnimationFrame(() => {
    scrollFrame = 0;
    view.scrollTop = list.scrollTop;
    renderWindow();
  });
});

window.addEventListener('resize', () => renderWindow());

// One listener for every row: select on click, buttons by their data-act, evidence on double-click.
list.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  const rowEl = target.closest<HTMLElement>('.row');
  const row = rowById(rowEl?.dataset['id']);
  if (!row) return;
  const act = target.closest<HTMLElement>('button.act')?.dataset['act'];
  if (act === 'accept') verdict('accepted', row);
  else if (act === 'reject') verdict('rejected', row);
  else if (act === 'evidence') send({ type: 'evidence/reveal', docId: row.docId, key: row.key });
  else select(rowId(row), false);
});
list.addEventListener('dblclick', (e) => {
  const row = rowById((e.target as HTMLElement).closest<HTMLElement>('.row')?.dataset['id']);
  if (row) send({ type: 'evidence/reveal', docId: row.docId, key: row.key });
});

window.addEventListener('keydown', (e) => {
  const target = e.target as HTMLElement | null;
  if (target && /^(INPUT|TEXTAREA|VSCODE-TEXTFIELD|VSCODE-SINGLE-SELECT)$/.test(target.tagName)) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const actions: Record<string, () => void> = {
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    a: () => verdict('accepted'),
    r: () => verdict('rejected'),
    u: () => send({ type: 'relation/undo' }),
    Enter: () => {
      const row = rowById(view.selected);
      if (row) send({ type: 'evidence/reveal', docId: row.docId, key: row.key });
    },
  };
  const act = actions[e.key];
  if (act) {
    e.preventDefault();
    act();
  }
});

app.focus();
send({ type: 'panel/ready' });
