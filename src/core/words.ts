/**
 * @module core/words
 * Splits a shell or script line into words the way a POSIX shell would (quotes, backslashes), and
 * expands `$name` from cloudmesh variables while doing so. The result is an argument array: no word is
 * ever handed to a system shell, so `;`, `|` and `$(…)` in a line are just characters.
 */
import { UserError } from './errors.ts';

/** How `$name` is resolved: a cloudmesh variable, `$os.NAME` from the environment. Undefined leaves it as typed. */
export type VarLookup = (name: string) => string | undefined;

/**
 * Split one line into words. Single quotes keep everything literal; double quotes allow `\"`, `\\`,
 * `\$` and `$name`; outside quotes a backslash escapes the next character. A `#` starting a word begins a comment.
 */
export function tokenize(line: string, lookup: VarLookup = () => undefined): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
      continue;
    }
    if (c === '\\' && i + 1 < line.length) {
      const next = line[i + 1]!;
      if (!quote || '"\\$`'.includes(next)) {
        word += next;
        i++;
        inWord = true;
        continue;
      }
    }
    if (c === '$') {
      const match = /^\$(\{([A-Za-z_][\w.]*)\}|([A-Za-z_][\w]*(?:\.[A-Za-z_]\w*)?))/.exec(line.slice(i));
      if (match) {
        const name = match[2] ?? match[3]!;
        const value = lookup(name);
        word += value ?? match[0];
        i += match[0].length - 1;
        inWord = true;
        continue;
      }
    }
    if (quote === '"') {
      if (c === '"') quote = undefined;
      else word += c;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else if (c === '#' && !inWord) {
      break;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new UserError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`);
  if (inWord) words.push(word);
  return words;
}

/** Quote one word so that `tokenize` (and a POSIX shell) reads it back unchanged. */
export function quoteWord(word: string): string {
  if (word !== '' && /^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
