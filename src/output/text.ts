/**
 * @module output/text
 * Terminal text measurement for the table renderer. Widths are in terminal cells, not UTF-16 units:
 * a CJK character or an emoji takes two cells and a combining accent none, so `String.length` would
 * misalign columns and overflow the terminal. Cells are also made single-line and inert here, because
 * data comes from remote systems (VM names, job output) and a stray `\n` would break the row while an
 * escape sequence could repaint the user's terminal.
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Newlines in any convention: each becomes one visible `⏎` so a row stays one line. */
const NEWLINE = /\r\n|\r|\n/g;
/**
 * Characters a terminal would act on rather than show: C0/C1 controls, DEL, and the bidi overrides
 * and isolates (U+202A–202E, U+2066–2069) that can visually reorder text ("trojan source").
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** Zero-width: combining marks, zero-width space/joiners/marks, variation selectors, word joiner. */
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\u200b-\u200f\u2060\ufe00-\ufe0f]$/u;

/** Escape for an unsafe character: `\x1b` for one byte, `\u{202e}` above. */
function escapeChar(char: string): string {
  const code = char.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** One line, nothing a terminal would interpret: newlines → `⏎`, tabs → space, controls escaped. */
export function singleLine(text: string): string {
  // Printable ASCII needs none of the replacements below; most cells are exactly that.
  if (PRINTABLE_ASCII.test(text)) return text;
  return text.replace(NEWLINE, '⏎').replace(/\t/g, ' ').replace(UNSAFE, escapeChar);
}

/** Cells a code point occupies: 0 (combining), 2 (East Asian wide/fullwidth, emoji) or 1. */
function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if (code < 0x300) return 1; // fast path: Latin, the overwhelmingly common case
  if (ZERO_WIDTH.test(char)) return 0;
  if (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf && code !== 0x303f) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) ||
    (code >= 0x1f900 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Terminal cells `text` occupies (after `singleLine`; control characters are not expected here). */
export function displayWidth(text: string): number {
  // Pure ASCII needs no per-character work; tables are mostly ASCII.
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/**
 * `text` cut to at most `width` cells, ending in `…` when cut. Iterates code points so a surrogate
 * pair (emoji) is never split into a lone half.
 */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** `text` padded with spaces to `width` cells (never cut: callers truncate first). */
export function padEnd(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + ' '.repeat(missing) : text;
}
