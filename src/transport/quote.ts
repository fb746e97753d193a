/**
 * @module transport/quote
 * The one function that turns an argument array into a command line for a remote POSIX shell (sshd hands
 * the line to the user's login shell, which splits it again). Every word is single-quoted unless it is made
 * only of characters no POSIX shell treats specially, so nothing a user typed can start a substitution,
 * a second command or a redirection on the cluster.
 */

/** Characters that mean nothing to sh, bash, dash, ksh or zsh anywhere in a word. */
const PLAIN = /^[A-Za-z0-9_\/.,:@%+=-]+$/;

/** One word, quoted for a POSIX shell: `it's` → `'it'\''s'`; the empty word → `''`. */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  // A leading `=` or `~` could be expanded by zsh or by tilde expansion: quote those too.
  if (PLAIN.test(word) && !/^[=~]/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** An argument array as one shell line, each word quoted on its own. */
export function shellLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/**
 * The line that runs `argv` in `cwd` with `env` added, for `exec` over ssh. Variables go through `env(1)`,
 * not `NAME=value` prefixes, so a name can never be read as a command; `cd` failing stops the command.
 */
export function remoteCommand(argv: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): string {
  if (argv.length === 0 || argv[0] === '') throw new Error('exec: empty argv');
  const entries = Object.entries(options.env ?? {});
  for (const [name] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`invalid environment variable name '${name}'`);
  }
  // `env -- A=1 prog`: after `--` env takes words with `=` as assignments and the first other word as the
  // program, so neither a value nor a program name can be read as an option of env.
  if (entries.length > 0 && argv[0]!.includes('=')) throw new Error(`exec: program name '${argv[0]}' contains '='`);
  const command = entries.length > 0 ? ['env', '--', ...entries.map(([name, value]) => `${name}=${value}`), ...argv] : [...argv];
  const line = shellLine(command);
  return options.cwd === undefined ? line : `cd ${shellQuote(options.cwd)} && ${line}`;
}
