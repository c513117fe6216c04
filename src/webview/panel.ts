/**
 * The BioRE panel (browser side). Renders the host's snapshots: relation rows grouped by
 * document, filters, sort by confidence or uncertainty, per-type counts and a confidence
 * histogram. The curator triages from the keyboard (j/k or arrows to move, a accept, r reject,
 * u undo, Enter jump to evidence) or with the buttons. It never changes curation state itself:
 * it sends intents and waits for the next snapshot. Only view state is kept (getState/setState).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import type { HostToPanel, PanelRow, PanelSnapshot, PanelToHost } from '../protocol/panel';

interface ViewState {
  typeFilter: string;
  statusFilter: string;
  sort: 'confidence' | 'uncertainty' | 'document';
  selected?: string | undefined;
  bulkThreshold?: string;
}

declare function acquireVsCodeApi(): { postMessage(m: PanelToHost): void; getState(): ViewState | undefined; setState(s: ViewState): void };

const vscode = acquireVsCodeApi();
const view: ViewState = { typeFilter: '', statusFilter: 'open', sort: 'uncertainty', ...(vscode.getState() ?? {}) };
let snapshot: PanelSnapshot = { documents: [], rows: [], threshold: 0.5, model: '' };
let visible: PanelRow[] = [];

const app = document.getElementById('app')!;
const rowId = (r: PanelRow): string => `${r.docId}\n${r.key}`;
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

/** Most informative first: scores nearest 0.5 lead when sorting by uncertainty. */
function ordered(rows: PanelRow[]): PanelRow[] {
  const byDoc = new Map(snapshot.documents.map((d, i) => [d.id, i] as const));
  const score = (r: PanelRow): number => r.score ?? 1;
  const within =
    view.sort === 'confidence'
      ? (a: PanelRow, b: PanelRow) => score(b) - score(a)
      : view.sort === 'uncertainty'
        ? (a: PanelRow, b: PanelRow) => Math.abs(score(a) - 0.5) - Math.abs(score(b) - 0.5)
        : () => 0;
  return [...rows].sort((a, b) => (byDoc.get(a.docId) ?? 0) - (byDoc.get(b.docId) ?? 0) || within(a, b));
}

function select(id: string | undefined, scroll = true): void {
  view.selected = id;
  save();
  for (const e of app.querySelectorAll('.row')) e.classList.toggle('selected', (e as HTMLElement).dataset['id'] === id);
  if (scroll) app.querySelector('.row.selected')?.scrollIntoView({ block: 'nearest' });
}

function selectedRow(): PanelRow | undefined {
  return visible.find((r) => rowId(r) === view.selected);
}

function move(delta: number): void {
  if (visible.length === 0) return;
  const i = visible.findIndex((r) => rowId(r) === view.selected);
  const next = i < 0 ? 0 : Math.max(0, Math.min(visible.length - 1, i + delta));
  select(rowId(visible[next]!));
}

function verdict(v: 'accepted' | 'rejected', row = selectedRow()): void {
  if (!row) return;
  // Move on before the snapshot arrives so triage flows: the next row becomes the selection.
  const i = visible.indexOf(row);
  const next = visible[i + 1] ?? visible[i - 1];
  if (next) view.selected = rowId(next);
  save();
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

function renderToolbar(): HTMLElement {
  const bar = el('div', 'toolbar');
  const types = [...new Set(snapshot.rows.map((r) => r.type))].sort();
  bar.append(
    selectEl([['', 'All types'], ...types.map((t) => [t, t] as [string, string])], view.typeFilter, (v) => ((view.typeFilter = v), save(), render()), 'Filter by type'),
    selectEl(
      [['open', 'To review'], ['', 'All statuses'], ['accepted', 'Accepted'], ['rejected', 'Rejected'], ['added', 'Added'], ['gold', 'Gold']],
      view.statusFilter,
      (v) => ((view.statusFilter = v), save(), render()),
      'Filter by status',
    ),
    selectEl([['uncertainty', 'Most uncertain first'], ['confidence', 'Most confident first'], ['document', 'Document order']], view.sort, (v) => ((view.sort = v as ViewState['sort']), save(), render()), 'Sort'),
  );
  const t = el('vscode-textfield');
  t.setAttribute('id', 'bulk-threshold');
  t.setAttribute('aria-label', 'Bulk accept threshold');
  t.setAttribute('value', view.bulkThreshold ?? String(snapshot.threshold));
  t.addEventListener('input', () => ((view.bulkThreshold = (t as unknown as { value: string }).value), save()));
  bar.append(
    t,
    button('Accept all ≥ threshold', () => {
      const threshold = Number(view.bulkThreshold ?? snapshot.threshold);
      if (!Number.isFinite(threshold)) return;
      send({ type: 'relation/bulkAccept', threshold, keys: visible.filter((r) => r.status === 'suggested').map((r) => ({ docId: r.docId, key: r.key })) });
    }),
    button('Undo', () => send({ type: 'relation/undo' }), true),
  );
  return bar;
}

function renderSummary(): HTMLElement {
  const box = el('div', 'summary');
  const counts = new Map<string, Record<string, number>>();
  for (const r of snapshot.rows) {
    const c = counts.get(r.type) ?? {};
    c[r.status] = (c[r.status] ?? 0) + 1;
    counts.set(r.type, c);
  }
  const table = el('table', 'counts');
  const head = el('tr');
  for (const h of ['type', 'suggested', 'accepted', 'rejected', 'added', 'gold']) head.append(el('th', undefined, h));
  table.append(head);
  for (const [type, c] of [...counts].sort()) {
    const tr = el('tr');
    tr.append(el('td', undefined, type), ...['suggested', 'accepted', 'rejected', 'added', 'gold'].map((s) => el('td', undefined, String(c[s] ?? 0))));
    table.append(tr);
  }
  const hist = el('div', 'histogram');
  hist.setAttribute('title', 'Confidence histogram of the model’s suggestions (0 → 1)');
  const bins = new Array<number>(10).fill(0);
  for (const r of snapshot.rows) if (r.score !== undefined) bins[Math.min(9, Math.floor(r.score * 10))]!++;
  const max = Math.max(1, ...bins);
  bins.forEach((n, i) => {
    const bar = el('div', 'bin');
    bar.style.height = `${Math.round((n / max) * 100)}%`;
    bar.title = `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n}`;
    hist.append(bar);
  });
  box.append(table, hist);
  return box;
}

function renderRow(r: PanelRow): HTMLElement {
  const row = el('div', `row status-${r.status}`);
  row.dataset['id'] = rowId(r);
  row.setAttribute('role', 'option');
  const head = el('div', 'row-head');
  const badge = el('vscode-badge', undefined, r.status);
  head.append(
    el('span', 'rel-type', r.type),
    el('span', 'arg', `${r.args[0]?.label ?? '?'} (${r.args[0]?.conceptId || '-'})`),
    el('span', 'arrow', '→'),
    el('span', 'arg', `${r.args[1]?.label ?? '?'} (${r.args[1]?.conceptId || '-'})`),
    el('span', 'score', r.score !== undefined ? r.score.toFixed(2) : '–'),
    badge,
  );
  if (r.gold) head.append(el('span', 'gold', 'gold'));
  const actions = el('span', 'actions');
  actions.append(button('Accept', () => verdict('accepted', r)), button('Reject', () => verdict('rejected', r), true), button('Evidence', () => send({ type: 'evidence/reveal', docId: r.docId, key: r.key }), true));
  head.append(actions);
  row.append(head);
  if (r.evidence) row.append(el('div', 'evidence', r.evidence));
  row.addEventListener('click', () => select(rowId(r), false));
  row.addEventListener('dblclick', () => send({ type: 'evidence/reveal', docId: r.docId, key: r.key }));
  return row;
}

function render(): void {
  visible = ordered(snapshot.rows.filter((r) => (view.typeFilter === '' || r.type === view.typeFilter) && matchesStatus(r)));
  if (view.selected === undefined || !visible.some((r) => rowId(r) === view.selected)) view.selected = visible[0] ? rowId(visible[0]) : undefined;
  app.replaceChildren();
  const title = el('div', 'title');
  title.append(el('h2', undefined, snapshot.fileName ? `BioRE · ${snapshot.fileName}` : 'BioRE · open a curated file'), el('span', 'model', snapshot.model ? `model: ${snapshot.model}` : ''));
  app.append(title, renderToolbar(), renderSummary());
  app.append(el('div', 'keys', 'Keys: j/k or ↓/↑ move · a accept · r reject · u undo · Enter evidence'));
  const list = el('div', 'list');
  list.setAttribute('role', 'listbox');
  let doc = '';
  for (const r of visible) {
    if (r.docId !== doc) {
      doc = r.docId;
      const d = snapshot.documents.find((x) => x.id === doc);
      const n = visible.filter((x) => x.docId === doc).length;
      list.append(el('div', 'doc-head', `${doc} · ${n} relation(s) · ${d?.title ?? ''}`));
    }
    list.append(renderRow(r));
  }
  if (visible.length === 0) list.append(el('div', 'empty', snapshot.rows.length ? 'Nothing matches the filters.' : 'No relations yet: run “BioRE: Extract Relations”.'));
  app.append(list);
  select(view.selected);
  save();
}

window.addEventListener('message', (e: MessageEvent<HostToPanel>) => {
  if (e.data.type === 'panel/state') {
    snapshot = e.data.snapshot;
    render();
  }
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
      const row = selectedRow();
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
