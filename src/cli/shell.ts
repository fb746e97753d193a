/**
 * @module cli/shell
 * The interactive shell: the same commands as `cm …`, with history kept in `$CLOUDMESH_HOME/history`,
 * Tab completion of commands, options and known names, and `help [CMD]`. On a non-terminal stdin it
 * reads lines the same way, without prompt, and keeps going after a failing line like any shell.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type AsyncCompleter } from 'node:readline';
import { tokenize } from '../core/words.ts';
import { complete } from './complete.ts';
import type { Session } from './session.ts';

const HISTORY_SIZE = 1000;
const QUIT = new Set(['quit', 'exit', 'q', 'EOF']);

/** Lines that would put a secret into the history file get it masked there. */
export function maskHistoryLine(line: string): string {
  return line.replace(/((?:pass(?:word)?|secret|token|api_?key|private[-_]?key)\s*(?:=|\s)\s*)("[^"]*"|'[^']*'|\S+)/gi, '$1********');
}

/** Run the shell until `quit` or end of input; returns the exit code of the last command. */
export async function runShell(session: Session, streams: { input: NodeJS.ReadableStream & { isTTY?: boolean }; output: NodeJS.WritableStream }): Promise<number> {
  const historyFile = join(session.ctx.home, 'history');
  const terminal = !!streams.input.isTTY;
  const completer: AsyncCompleter = (line, callback) => {
    completeLine(session, line).then((result) => callback(null, result), () => callback(null, [[], line]));
  };
  const rl = createInterface({
    input: streams.input,
    output: streams.output,
    terminal,
    completer,
    history: terminal ? readHistory(historyFile) : [],
    historySize: HISTORY_SIZE,
    removeHistoryDuplicates: true,
    prompt: 'cm> ',
  });
  rl.on('SIGINT', () => {
    // Ctrl-C stops a running command (hpc output --follow, a long refresh) and otherwise clears the line.
    if (session.interrupt()) return;
    rl.write(null, { ctrl: true, name: 'u' });
    streams.output.write('\n(type quit to leave)\n');
    rl.prompt();
  });
  let last = 0;
  if (terminal) {
    streams.output.write('cloudmesh shell: "help" lists commands, Tab completes, "quit" leaves.\n');
    rl.prompt();
  }
  for await (const raw of rl) {
    const line = raw.trim();
    if (QUIT.has(line)) break;
    if (line !== '') {
      if (terminal) remember(historyFile, line);
      last = line === 'history' ? showHistory(session, historyFile) : await session.runLine(line, 'shell');
    }
    if (terminal) rl.prompt();
  }
  rl.close();
  return last;
}

/** What readline's completer wants: candidates and the part of the line they replace. */
async function completeLine(session: Session, line: string): Promise<[string[], string]> {
  let words: string[];
  try {
    words = tokenize(line);
  } catch {
    return [[], line];
  }
  const current = /\s$/.test(line) || line === '' ? '' : (words.pop() ?? '');
  const candidates = await complete(words, current, session.specs, (source) => session.names(source));
  // A single match gets a trailing space so the next word can start right away.
  return [candidates.length === 1 && !candidates[0]!.endsWith('/') ? [`${candidates[0]} `] : candidates, current];
}

function readHistory(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function remember(file: string, line: string): void {
  try {
    appendFileSync(file, `${maskHistoryLine(line).replace(/\n/g, ' ')}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience; a read-only home must not break the shell.
  }
}

function showHistory(session: Session, file: string): number {
  const lines = readHistory(file).reverse();
  session.io.stdout(lines.map((line, i) => `${String(i + 1).padStart(4)}  ${line}`).join('\n') + (lines.length ? '\n' : ''));
  return 0;
}
