/**
 * Messages between the extension host and the BioRE panel webview (src/webview/panel.ts).
 * The host owns all curation state: the panel renders a full snapshot (sent on `panel/ready`,
 * when the panel becomes visible again and when it switches file), then deltas: the rows of the
 * documents that changed, coalesced to at most a few messages a second, so a whole-file run or a
 * decision in a 3,000-row file costs the panel only what changed. The panel sends the curator's
 * intents and keeps only view state (filters, sort, selection) in its own webview state.
 */
import type { RowStatus } from '../core/curation/decisions';

/** One relation argument as the panel shows it. */
export interface PanelArgument {
  role: string;
  /** Surface text of a mention of it (the first one), or the concept id. */
  label: string;
  /** Concept id(s), when known. */
  conceptId: string;
  /** Entity type of the mention, when known. */
  entityType: string;
}

/** One relation row. */
export interface PanelRow {
  key: string;
  docId: string;
  type: string;
  status: RowStatus;
  gold: boolean;
  added: boolean;
  score?: number;
  task?: string;
  model?: string;
  args: PanelArgument[];
  /** The start of the evidence sentence(s) (up to a few hundred characters), when known. */
  evidence?: string;
}

/** Everything the panel shows. */
export interface PanelSnapshot {
  /** Name of the curated file, or undefined when no curated file is active. */
  fileName?: string;
  /** Documents of the file in order, with their titles. */
  documents: Array<{ id: string; title: string }>;
  rows: PanelRow[];
  /** Default of the bulk-accept threshold (the `biore.threshold` setting). */
  threshold: number;
  /** Label of the active relation model. */
  model: string;
  /** The document at the editor's cursor: the panel opens there. */
  focusDocId?: string;
}

/** The rows of the documents that changed (each document's rows replace its old ones). */
export interface PanelDelta {
  /** The file the delta belongs to (a delta for another file than the panel shows is ignored). */
  fileName: string;
  documents: Array<{ id: string; rows: PanelRow[] }>;
  /** Select this row (the row an undo restored). */
  focus?: { docId: string; key: string };
}

export type HostToPanel =
  /** host → panel: the complete state to render. */
  | { type: 'panel/state'; snapshot: PanelSnapshot }
  /** host → panel: what changed since the last state or delta. */
  | { type: 'panel/delta'; delta: PanelDelta };

export type PanelToHost =
  /** panel → host: the panel loaded and wants a snapshot. */
  | { type: 'panel/ready' }
  /** panel → host: accept or reject one row. */
  | { type: 'relation/verdict'; docId: string; key: string; verdict: 'accepted' | 'rejected' }
  /** panel → host: undo the latest decision. */
  | { type: 'relation/undo' }
  /** panel → host: accept every suggested row (of those keys) with a score at or above `threshold`. */
  | { type: 'relation/bulkAccept'; threshold: number; keys: Array<{ docId: string; key: string }> }
  /** panel → host: show a row's evidence in the editor. */
  | { type: 'evidence/reveal'; docId: string; key: string };
