// `db use` while a shell is running (issue 5, item 4): the shell opened its store before the switch; the
// next command it runs after cloudmesh.yaml changed reads the new database section and opens that store
// (services/context.ts), whether the switch came from another `cm` or from the shell itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { CM, cm, eventually, tempHome } from '../helpers.ts';

/** A `cm shell` reading commands from a pipe, with everything it printed so far. */
function startShell(home: string) {
  const child = spawn(process.execPath, [CM, 'shell'], { env: { ...process.env, CLOUDMESH_HOME: home, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    send: (line: string) => void child.stdin.write(`${line}\n`),
    /** Wait until the output since `from` matches. */
    expect: (pattern: RegExp, from: number, what: string) => eventually(async () => (pattern.test(out.slice(from)) ? true : undefined), 20_000, what),
    get length() {
      return out.length;
    },
    output: () => out,
    async quit() {
      child.stdin.end('quit\n');
      return exited;
    },
  };
}

test('a running shell uses the database that db use switched to, from its next command on', { timeout: 120_000 }, async () => {
  const home = tempHome('cm-db-shell-');
  await cm(home, ['config', 'path']);
  const shell = startShell(home);
  try {
    let mark = shell.length;
    shell.send('var where=first-database');
    shell.send('db info');
    await shell.expect(/cloudmesh\.db/, mark, 'db info on the first database');

    // Another cm switches this home to another SQLite file while the shell holds the first one open.
    const switched = await cm(home, ['db', 'use', 'sqlite', 'second.db']);
    assert.equal(switched.code, 0, switched.stderr);
    mark = shell.length;
    shell.send('db info');
    await shell.expect(/second\.db/, mark, 'db info on the second database');
    shell.send('var where');
    await shell.expect(/no variable "where"/, mark, 'the variable of the first database is not in the second');
    shell.send('var where=second-database');

    // And back, from inside the shell itself.
    mark = shell.length;
    shell.send('db use sqlite cloudmesh.db');
    shell.send('var where');
    await shell.expect(/first-database/, mark, 'the first database again');
  } finally {
    assert.equal(await shell.quit(), 0, shell.output());
  }
  const second = await cm(home, ['db', 'use', 'sqlite', 'second.db']);
  assert.equal(second.code, 0, second.stderr);
  assert.match((await cm(home, ['var', 'where'])).stdout, /second-database/);
});
