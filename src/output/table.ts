/**
 * @module output/table
 * Lays out an aligned text table that fits the terminal. Wrapped rows are unreadable and break
 * `grep`, so when the natural layout is too wide the widest columns give way first (a water level:
 * every column wider than some cap is cut to that cap), and no column is cut below a few characters.
 * If even that does not fit, trailing columns are hidden behind a `…` column rather than wrapping.
 */
import { displayWidth, padEnd, truncate } from './text.ts';

/** Space between columns. */
const GAP = '  ';
/** Narrowest a column is cut to: below this a truncated value stops being recognisable. */
const MIN_COLUMN = 6;
/** Marker column standing in for columns that did not fit at all. */
const MORE = '…';

/** How the table is drawn. */
export interface TableLayout {
  /** Terminal columns the table must fit in; `Infinity` for no limit. */
  width: number;
  /** Bold header (ANSI); only when the caller decided colour is wanted. */
  color: boolean;
}

/** Total width of `widths` with the gaps between them. */
function totalWidth(widths: readonly number[]): number {
  let sum = GAP.length * Math.max(0, widths.length - 1);
  for (const w of widths) sum += w;
  return sum;
}

/**
 * Column widths for `natural` (each column's widest cell) within `width`, or undefined when even
 * every column at its minimum does not fit.
 */
export function fitWidths(natural: readonly number[], width: number): number[] | undefined {
  if (totalWidth(natural) <= width) return [...natural];
  const capped = (cap: number) => natural.map((w) => Math.min(w, cap));
  if (totalWidth(capped(MIN_COLUMN)) > width) return undefined;
  // Binary search the largest cap that fits; cap ≥ MIN_COLUMN keeps narrow columns untouched.
  let low = MIN_COLUMN;
  let high = Math.max(...natural);
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (totalWidth(capped(mid)) <= width) low = mid;
    else high = mid - 1;
  }
  const widths = capped(low);
  // Fewer cells are left over than there are capped columns (else cap + 1 would fit): hand them out.
  let leftover = width - totalWidth(widths);
  for (let i = 0; i < widths.length && leftover > 0; i++) {
    if (natural[i]! > low) {
      widths[i]!++;
      leftover--;
    }
  }
  return widths;
}

/** Runs of spaces by length, made once: a thousand-row table pads every cell. */
const PADS: string[] = [];
function spaces(n: number): string {
  return (PADS[n] ??= ' '.repeat(n));
}

/**
 * The table as lines (each ending in `\n`), or '' when there are no rows or no columns. Cells must
 * already be single-line text (see `singleLine`).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], layout: TableLayout): string {
  if (rows.length === 0 || headers.length === 0) return '';
  const columns = headers.length;
  // Each cell is measured once, into one flat array: with a thousand rows, measuring again to truncate
  // and pad, and an array per row, showed up in the time of a cached `cm vm list`.
  const cellWidths = new Uint32Array(rows.length * columns);
  const natural = headers.map(displayWidth);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let c = 0; c < columns; c++) {
      const w = displayWidth(row[c] ?? '');
      cellWidths[r * columns + c] = w;
      if (w > natural[c]!) natural[c] = w;
    }
  }
  let shown = columns;
  let widths = fitWidths(natural, layout.width);
  // Too many columns for the terminal: show the leading ones and mark that more exist.
  while (widths === undefined && shown > 1) {
    shown--;
    widths = fitWidths(natural.slice(0, shown), layout.width - GAP.length - MORE.length);
  }
  const hidden = shown < columns;
  widths ??= [Math.max(1, Math.min(natural[0]!, layout.width - GAP.length - MORE.length))];
  const fitted = widths;
  const last = fitted.length - 1;
  // Lines are at most this wide; only when that exceeds the terminal must each line be measured and cut.
  const mayOverflow = totalWidth(fitted) + (hidden ? GAP.length + MORE.length : 0) > layout.width;

  /** One line: cells padded to their column, no padding trailing the last, then the `…` column if any. */
  const line = (cells: readonly string[], extra: string, widthOf: (i: number) => number): string => {
    let text = '';
    for (let i = 0; i <= last; i++) {
      const w = fitted[i]!;
      const cell = cells[i] ?? '';
      const cw = widthOf(i);
      if (i > 0) text += GAP;
      if (cw > w) text += padEnd(truncate(cell, w), w);
      else text += i < last || hidden ? cell + spaces(w - cw) : cell;
    }
    if (hidden) text += GAP + extra;
    // A cell's own trailing spaces would otherwise end the line (as the padding does not).
    if (text.charCodeAt(text.length - 1) === 32) text = text.replace(/ +$/, '');
    // Last resort for absurdly narrow terminals: cut the line itself.
    return mayOverflow && displayWidth(text) > layout.width ? truncate(text, layout.width) : text;
  };
  const header = line(headers, MORE, (i) => displayWidth(headers[i]!));
  const out = [layout.color ? `\x1b[1m${header}\x1b[22m` : header];
  out.push(line(fitted.map((w) => '-'.repeat(w)), '-', (i) => fitted[i]!));
  for (let r = 0; r < rows.length; r++) {
    const base = r * columns;
    out.push(line(rows[r]!, MORE, (i) => cellWidths[base + i]!));
  }
  return `${out.join('\n')}\n`;
}
