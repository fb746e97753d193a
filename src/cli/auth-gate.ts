/**
 * @module cli/auth-gate
 * `cm auth require on`: on the command line, destructive commands, credential reads and changes to the
 * factors themselves ask for a fresh second factor first — a TOTP code typed at the terminal, or (with
 * no TOTP enrolled, or an empty answer) a security-key touch on a loopback page. A dry run changes nothing
 * and is not asked. The REST face has its own login; the library face is the user's own program. It is
 * the CLI's (session.ts hands it to runCommand as the gate): it talks to the terminal and may serve a page.
 */
import { createInterface } from 'node:readline';
import type { CommandSpec, Context, Face } from '../core/command.ts';
import { UserError } from '../core/errors.ts';
import { readAuthState } from '../services/auth-store.ts';
import { verifyTotp } from '../services/auth-totp.ts';

/** Commands whose output is a credential. */
const CREDENTIAL_READS = new Set(['server token']);
const GATED_FACES: ReadonlySet<Face> = new Set(['cli', 'shell', 'script']);

export function needsSecondFactor(spec: CommandSpec, dryRun: boolean): boolean {
  const path = spec.path.join(' ');
  if (CREDENTIAL_READS.has(path) || spec.path[0] === 'auth') return path !== 'auth list';
  return !!spec.destructive && !dryRun;
}

/** Throws a UserError unless the command may run; asks for the factor when one is needed. */
export async function secondFactorGate(ctx: Context, spec: CommandSpec, dryRun: boolean): Promise<void> {
  if (!GATED_FACES.has(ctx.face) || !needsSecondFactor(spec, dryRun)) return;
  const state = readAuthState(ctx.home);
  if (!state.require) return;
  const what = `cm ${spec.path.join(' ')}`;
  const hasTotp = state.factors.some((f) => f.kind === 'totp');
  const hasKey = state.factors.some((f) => f.kind === 'webauthn');
  // The shell's line editor owns the terminal's input; a second reader there would steal its keystrokes.
  if (hasTotp && ctx.face !== 'shell') {
    const answer = (await askLine(`${what} needs a second factor. TOTP code${hasKey ? ' (empty: use your security key)' : ''}: `))?.trim();
    if (answer) {
      if (!(await verifyTotp(ctx.home, answer))) throw new UserError('wrong, expired or already used TOTP code');
      return;
    }
    // No code (an empty line, or no input at all): the security key, if there is one.
    if (!hasKey) throw new UserError(`${what} needs a second factor and none was given`, { hint: 'type the current code of your authenticator app' });
  }
  if (!hasKey) throw new UserError(`${what} needs a TOTP code typed at the terminal (cm ${spec.path.join(' ')} outside the shell)`);
  const { runCeremony } = await import('../server/auth/ceremony.ts');
  await runCeremony({
    home: ctx.home,
    mode: 'authenticate',
    name: '',
    userName: await ctx.user(),
    timeoutMs: 120_000,
    signal: ctx.signal,
    onUrl: (url) => ctx.out.warn(`${what} needs your security key: open ${url} in a browser on this machine and touch the key`),
  });
}

/** One line from standard input (the prompt on stderr); undefined at end of input. */
function askLine(prompt: string): Promise<string | undefined> {
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
    });
  });
}
