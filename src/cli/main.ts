/**
 * @module cli/main
 * `cm`'s entry after the `--version` fast path: picks the face (one command, a script, the shell, or
 * completion), builds one session and runs it.
 */
import { existsSync } from 'node:fs';
import { EXIT } from '../core/errors.ts';
import { loadCommands } from '../commands/registry.ts';
import { createContext } from '../services/context.ts';
import { createReporter, useColor } from '../output/reporter.ts';
import { complete } from './complete.ts';
import { firstCommandWord } from './parse.ts';
import { Session } from './session.ts';
import { stderr, stdout } from './stdio.ts';
import type { CommandSpec } from '../core/command.ts';

/** Run `cm` with these arguments (no program name); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const env = process.env;
  const flags = leadingFlags(argv);
  const words = argv.slice(flags.used);
  let specs: readonly CommandSpec[] = [];
  const reporter = createReporter({ stream: stderr, dataStream: stdout, env });
  const ctx = createContext({
    env,
    face: 'cli',
    out: reporter,
    commands: () => specs,
  });
  const session = () =>
    new Session({
      ctx,
      specs,
      debug: flags.debug,
      io: {
        stdout: (text) => void stdout.write(text),
        stderr: (text) => void stderr.write(text),
        // Piped output is for programs and files: never cut it to a screen width.
        width: () => (stdout.isTTY ? stdout.columns || 100 : 100_000),
        color: useColor(stdout, env),
      },
    });
  try {
    if (words[0] === '__complete') {
      specs = await loadCommands();
      const rest = words.slice(words[1] === '--' ? 2 : 1);
      const current = rest.pop() ?? '';
      const s = session();
      stdout.write((await complete(rest, current, specs, (source) => s.names(source))).join('\n') + '\n');
      return EXIT.ok;
    }
    const script = words[0] !== undefined && words[0].endsWith('.cm') && existsSync(words[0]) ? words[0] : undefined;
    const interactive = words.length === 0 || (words.length === 1 && words[0] === 'shell');
    // A script (`cm FILE.cm` or `cm exec FILE`) may run any command, so it needs every group.
    const runsScript = script !== undefined || firstCommandWord(words) === 'exec';
    const needsAll = runsScript || interactive || words.includes('--help') || words.includes('-h') || words[0] === 'help';
    specs = await loadCommands(needsAll ? undefined : firstCommandWord(words));
    if (script) return await session().runScript(script, { keepGoing: flags.keepGoing || words.includes('--keep-going') });
    if (interactive) {
      const { runShell } = await import('./shell.ts');
      return await runShell(session(), { input: process.stdin, output: stdout.stream() });
    }
    // A first word that names no group loaded every group, so a typo still gets a "did you mean".
    return await session().runWords(words, 'cli');
  } finally {
    await ctx.close();
  }
}

/** `--debug` and `--keep-going` given before a script or the shell. */
function leadingFlags(argv: readonly string[]): { used: number; debug: boolean; keepGoing: boolean } {
  let used = 0;
  let debug = false;
  let keepGoing = false;
  for (const word of argv) {
    if (word === '--debug') debug = true;
    else if (word === '--keep-going') keepGoing = true;
    else break;
    used++;
  }
  return { used, debug, keepGoing };
}
