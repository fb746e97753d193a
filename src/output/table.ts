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

/** Join cells, dropping the padding that would otherwise trail the last column. */
function joinLine(cells: readonly string[]): string {
  return cells.join(GAP).replace(/ +$/, '');
}

/**
 * The table as lines (each ending in `\n`), or '' when there are no rows or no columns. Cells must
 * already be single-line text (see `singleLine`).
 */
export function renderTable(headers: readonly string[], rows: readonly (readonly string[])[], layout: TableLayout): string {
  if (rows.length === 0 || headers.length === 0) return '';
  // Each cell is measured once: with a thousand rows, measuring again to truncate and pad showed up in
  // the time of a cached `cm vm list`.
  const rowWidths = rows.map((row) => headers.map((_, i) => displayWidth(row[i] ?? '')));
  const natural = headers.map((header, i) => {
    let w = displayWidth(header);
    for (const cells of rowWidths) if (cells[i]! > w) w = cells[i]!;
    return w;
  });
  let shown = headers.length;
  let widths = fitWidths(natural, layout.width);
  // Too many columns for the terminal: show the leading ones and mark that more exist.
  while (widths === undefined && shown > 1) {
    shown--;
    widths = fitWidths(natural.slice(0, shown), layout.width - GAP.length - MORE.length);
  }
  const hidden = shown < headers.length;
  widths ??= [Math.max(1, Math.min(natural[0]!, layout.width - GAP.length - MORE.length))];
  const fitted = widths;
  // Lines are at most this wide; only when that exceeds the terminal must each line be measured and cut.
  const mayOverflow = totalWidth(fitted) + (hidden ? GAP.length + MORE.length : 0) > layout.width;

  const line = (cells: readonly string[], extra: string, cellWidths?: readonly number[]): string => {
    const parts = fitted.map((w, i) => {
      const cell = cells[i] ?? '';
      const cw = cellWidths?.[i] ?? displayWidth(cell);
      return cw <= w ? cell + ' '.repeat(w - cw) : padEnd(truncate(cell, w), w);
    });
    if (hidden) parts.push(extra);
    const text = joinLine(parts);
    // Last resort for absurdly narrow terminals: cut the line itself.
    return mayOverflow && displayWidth(text) > layout.width ? truncate(text, layout.width) : text;
  };
  const header = line(headers, MORE);
  const out = [layout.color ? `\x1b[1m${header}\x1b[22m` : header];
  out.push(line(fitted.map((w) => '-'.repeat(w)), '-'));
  rows.forEach((row, r) => out.push(line(row, MORE, rowWidths[r])));
  return `${out.join('\n')}\n`;
}
