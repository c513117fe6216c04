/**
 * Typed errors for bad input. Every reader throws only `FormatError` for malformed data, so the
 * CLI and the extension can show one clear line (file, line or element, what is wrong) instead
 * of a stack trace, and fuzz tests can assert that nothing else escapes.
 */

/** Where in an input a problem is: a file plus a 1-based line, or an element path. */
export interface SourceLocation {
  /** File path or other name of the input. */
  source: string;
  /** 1-based line number, when known. */
  line?: number;
  /** 1-based column, when known. */
  column?: number;
  /** Element or record description (`<document id=123>`, `pair DDI-MedLine.d1.s0.p2`). */
  element?: string;
}

/** Malformed or inconsistent input. The message names the source and the position. */
export class FormatError extends Error {
  readonly location: SourceLocation;
  readonly detail: string;

  constructor(location: SourceLocation, detail: string) {
    super(`${formatLocation(location)}: ${detail}`);
    this.name = 'FormatError';
    this.location = location;
    this.detail = detail;
  }
}

/** `file:line:column (element)` as compilers print it. */
export function formatLocation(loc: SourceLocation): string {
  let s = loc.source;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.column !== undefined) s += `:${loc.column}`;
  if (loc.element !== undefined) s += ` (${loc.element})`;
  return s;
}

/** Limits that protect readers from hostile or accidental huge inputs. */
export interface InputLimits {
  /** Longest accepted line or text node, in characters. */
  maxLineLength: number;
  /** Most entity references expanded in one XML document (billion-laughs guard). */
  maxEntityExpansions: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxLineLength: 50_000_000,
  maxEntityExpansions: 100_000,
};
