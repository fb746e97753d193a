/**
 * @module core/hostlist
 * Hostlist syntax for naming many things at once: `vm-[001-003]` → vm-001, vm-002, vm-003;
 * `node[1-3,7]` → node1, node2, node3, node7. Zero padding follows the width of the range's start.
 */
import { UserError } from './errors.ts';

const MAX_EXPANSION = 10_000;

/** Expand one hostlist expression (several bracket groups multiply out). */
export function expandHostlist(expression: string): string[] {
  const open = expression.indexOf('[');
  if (open < 0) return [expression];
  const close = expression.indexOf(']', open);
  if (close < 0) throw new UserError(`unclosed "[" in "${expression}"`);
  const head = expression.slice(0, open);
  const tails = expandHostlist(expression.slice(close + 1));
  const out: string[] = [];
  for (const part of expression.slice(open + 1, close).split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) throw new UserError(`bad range "${part}" in "${expression}": use forms like [1-3,7] or [001-010]`);
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    if (end < start) throw new UserError(`range "${part}" in "${expression}" runs backwards`);
    const width = range[1]!.length;
    for (let n = start; n <= end; n++) {
      for (const tail of tails) {
        out.push(head + String(n).padStart(width, '0') + tail);
        if (out.length > MAX_EXPANSION) throw new UserError(`"${expression}" expands to more than ${MAX_EXPANSION} names`);
      }
    }
  }
  return out;
}

/** Expand several expressions, keeping order and dropping repeats. */
export function expandNames(expressions: readonly string[]): string[] {
  return [...new Set(expressions.flatMap((e) => expandHostlist(e)))];
}

/** True when `name` matches a shell-style glob with `*` and `?`. */
export function globMatch(pattern: string, name: string): boolean {
  const regex = new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  return regex.test(name);
}

/**
 * The inverse of `expandHostlist` for display: `vm-vc2-0 … vm-vc2-3, vm-vc2-7` → `vm-vc2-[0-3,7]`. Names
 * that share a prefix and end in numbers of one width are grouped; anything else is listed as it is.
 */
export function collapseHostlist(names: readonly string[]): string {
  const groups = new Map<string, { width: number; numbers: number[] }>();
  const plain: string[] = [];
  for (const name of names) {
    const match = /^(.*?)(\d+)$/.exec(name);
    if (!match) {
      plain.push(name);
      continue;
    }
    const digits = match[2]!;
    // Zero-padded numbers keep their width; unpadded ones share the key of width 0.
    const width = digits.length > 1 && digits.startsWith('0') ? digits.length : 0;
    const key = `${match[1]}\u0000${width}`;
    const group = groups.get(key) ?? { width, numbers: [] };
    group.numbers.push(Number(digits));
    groups.set(key, group);
  }
  const parts = [...groups].map(([key, { width, numbers }]) => {
    const prefix = key.slice(0, key.indexOf('\u0000'));
    const sorted = [...new Set(numbers)].sort((a, b) => a - b);
    if (sorted.length === 1) return `${prefix}${String(sorted[0]).padStart(width, '0')}`;
    const ranges: string[] = [];
    for (let i = 0; i < sorted.length; ) {
      let j = i;
      while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
      const from = String(sorted[i]).padStart(width, '0');
      ranges.push(j > i ? `${from}-${String(sorted[j]).padStart(width, '0')}` : from);
      i = j + 1;
    }
    return `${prefix}[${ranges.join(',')}]`;
  });
  return [...parts, ...plain].join(',');
}
