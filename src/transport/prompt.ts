/**
 * @module transport/prompt
 * Answers keyboard-interactive (password, MFA code) questions on the user's terminal. There is one only
 * when stdin and stderr are terminals; otherwise (scripts, the REST server, CI) no prompter exists and an
 * interactive login is refused with advice. Answers are never stored: the pooled connection is what makes
 * the prompt happen once per host per process.
 */
import { createInterface } from 'node:readline';
import type { Prompter } from './ssh-connect.ts';

/** A prompter on the controlling terminal, or undefined when there is none. */
export function terminalPrompter(): Prompter | undefined {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined;
  let queue: Promise<unknown> = Promise.resolve();
  // Two connections asking at once would interleave their questions: ask one round at a time.
  return (request) => {
    const round = queue.then(() => askRound(request));
    queue = round.catch(() => undefined);
    return round;
  };
}

async function askRound(request: Parameters<Prompter>[0]): Promise<string[]> {
  process.stderr.write(`login to ${request.target}${request.instructions ? `: ${request.instructions}` : ''}\n`);
  const answers: string[] = [];
  for (const { prompt, echo } of request.prompts) answers.push(await askOne(prompt, echo));
  return answers;
}

function askOne(question: string, echo: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let muted = false;
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    // Hide what is typed for secret prompts by swallowing readline's echo after the question is shown.
    const write = (rl as unknown as { _writeToOutput?: (text: string) => void });
    write._writeToOutput = (text: string) => {
      if (!muted) process.stderr.write(text);
    };
    rl.question(question, (answer) => {
      rl.close();
      if (!echo) process.stderr.write('\n');
      resolve(answer);
    });
    muted = !echo;
    rl.once('SIGINT', () => {
      rl.close();
      reject(new Error('interrupted'));
    });
  });
}
