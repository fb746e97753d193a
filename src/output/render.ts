/**
 * @module output/render
 * The one renderer every command's data goes through, whichever face ran it. `table` is for people
 * (fits the terminal, ages humanised, single-line cells); `json`, `yaml` and `csv` are for scripts and
 * so carry the data unchanged: json/yaml keep every field as given, csv keeps raw timestamps.
 * `yaml` is imported lazily because it is the only heavy module here and most runs never need it.
 */
import { UsageError } from '../core/errors.ts';
import { renderTable } from './table.ts';
import { singleLine } from './text.ts';
import { formatAge } from '../core/age.ts';

/** Output formats selectable with `--format`. */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'csv';

/** How to render one result. */
export interface RenderOptions {
  format: OutputFormat;
  /** Columns for table/csv, in this order (only these). Default: union of keys, first-seen order. */
  columns?: readonly string[];
  /** Terminal columns the table must fit in (default 100; `Infinity` for no limit). */
  width?: number;
  /** ANSI styling (bold header) in tables. */
  color?: boolean;
  /** Reference time for `age` columns (default: now). */
  now?: Date;
}

/** Width assumed when the terminal's is unknown. */
const DEFAULT_WIDTH = 100;

type Row = Record<string, unknown>;

/** A record is a keyed object; arrays and Dates are values, not records. */
function isRecord(value: unknown): value is Row {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** JSON replacer: bigint (e.g. 64-bit SQLite ids) would otherwise make `JSON.stringify` throw. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

/** Compact JSON for a nested value inside a cell; circular structures fall back to `String`. */
function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value, jsonSafe) ?? '';
  } catch {
    return String(value);
  }
}

/** A scalar as plain text: null → '', Date → ISO, objects → compact JSON. */
function plainText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'object') return compactJson(value);
  return String(value);
}

export { formatAge };

/** Columns of a stream that is a terminal, else `fallback` (piped output has no width of its own). */
export function terminalWidth(stream: { isTTY?: boolean | undefined; columns?: number | undefined }, fallback = DEFAULT_WIDTH): number {
  const columns = stream.columns;
  return stream.isTTY && typeof columns === 'number' && Number.isInteger(columns) && columns > 0 ? columns : fallback;
}

/** The start of an ISO 8601 date, which every timestamp cloudmesh stores has. */
const TIMESTAMP = /^\d{4}-\d\d-\d\d/;

function isAgeColumn(column: string): boolean {
  return column.toLowerCase() === 'age';
}

/** A table cell: an `age` column shows a timestamp as its age; everything on one inert line. */
function tableCell(value: unknown, isAge: boolean, now: Date): string {
  if (isAge) {
    const iso = value instanceof Date ? plainText(value) : value;
    // Only a timestamp becomes an age; a value that already is one (`5m`, from withAge) is shown as is,
    // without asking Date.parse's slow fallback parser to make sense of it a thousand times.
    if (typeof iso === 'string' && TIMESTAMP.test(iso) && !Number.isNaN(Date.parse(iso))) return formatAge(iso, now);
  }
  return singleLine(plainText(value));
}

/** Given columns (if any), else every key in first-seen order. */
function pickColumns(rows: readonly Row[], columns: readonly string[] | undefined): string[] {
  if (columns && columns.length > 0) return [...columns];
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

/** Array items as records; a bare value (string, number…) becomes `{ value }` so it still has a column. */
function toRows(items: readonly unknown[]): Row[] {
  return items.map((item) => (isRecord(item) ? item : { value: item }));
}

/** RFC 4180 field: quoted (with `"` doubled) when it holds a comma, quote, CR or LF. */
function csvField(value: unknown): string {
  const text = plainText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 lines, each ended by CRLF. */
function csvLines(lines: readonly (readonly unknown[])[]): string {
  return lines.map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

function renderCsv(data: unknown, columns: readonly string[] | undefined): string {
  if (!Array.isArray(data) && !isRecord(data)) return data === '' ? '' : csvLines([[data]]);
  // A single record is one row: csv consumers want a header and rows, not a field/value listing.
  const rows = Array.isArray(data) ? toRows(data) : [data];
  const names = pickColumns(rows, columns);
  if (names.length === 0) return '';
  return csvLines([names, ...rows.map((row) => names.map((name) => row[name]))]);
}

function renderTableFormat(data: unknown, options: RenderOptions): string {
  const layout = { width: normaliseWidth(options.width), color: options.color ?? false };
  const now = options.now ?? new Date();
  if (Array.isArray(data)) {
    const rows = toRows(data);
    const names = pickColumns(rows, options.columns);
    const ages = names.map(isAgeColumn);
    const cells: string[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const line: string[] = new Array(names.length);
      for (let c = 0; c < names.length; c++) line[c] = tableCell(row[names[c]!], ages[c]!, now);
      cells[r] = line;
    }
    return renderTable(names.map(singleLine), cells, layout);
  }
  if (isRecord(data)) {
    const fields = pickColumns([data], options.columns);
    const cells = fields.map((field) => [singleLine(field), tableCell(data[field], isAgeColumn(field), now)]);
    return renderTable(['field', 'value'], cells, layout);
  }
  // A message or a scalar is printed as is: it is already meant for people.
  const text = plainText(data);
  return text === '' || text.endsWith('\n') ? text : `${text}\n`;
}

/** A usable width: positive integer or Infinity; anything else means the default. */
function normaliseWidth(width: number | undefined): number {
  if (width === Infinity) return width;
  return width !== undefined && Number.isFinite(width) && width >= 1 ? Math.floor(width) : DEFAULT_WIDTH;
}

/**
 * Render a command's data. Arrays of records are rows, a single record is a field/value listing
 * (table) or one row (csv), a string is printed as is. Returns text ending in a newline, or '' when
 * there is nothing to show (null/undefined, or an empty table).
 */
export async function render(data: unknown, options: RenderOptions): Promise<string> {
  if (data === null || data === undefined) return '';
  switch (options.format) {
    case 'table':
      return renderTableFormat(data, options);
    case 'json': {
      // undefined only for values JSON cannot hold at all (a function, a symbol): nothing to print.
      const text = JSON.stringify(data, jsonSafe, 2) as string | undefined;
      return text === undefined ? '' : `${text}\n`;
    }
    case 'csv':
      return renderCsv(data, options.columns);
    case 'yaml': {
      const { stringify } = await import('../vendor/yaml.ts');
      const text = stringify(data);
      return text.endsWith('\n') ? text : `${text}\n`;
    }
    default:
      throw new UsageError(`unknown output format "${String(options.format)}" (use table, json, yaml or csv)`);
  }
}
