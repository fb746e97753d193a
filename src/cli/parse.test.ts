import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCommand, restRoute } from '../core/command.ts';
import { UsageError } from '../core/errors.ts';
import { parseCommandLine } from './parse.ts';
import { complete } from './complete.ts';

const noop = async () => null;
const specs = [
  defineCommand({ path: ['vm', 'list'], summary: 'list', options: [{ name: 'cloud', type: 'string', description: 'c', complete: 'cloud' }], positionals: [{ name: 'names', variadic: true, description: 'n' }], run: noop }),
  defineCommand({ path: ['vm', 'delete'], summary: 'delete', destructive: true, positionals: [{ name: 'names', variadic: true, required: true, description: 'n' }], run: noop }),
  defineCommand({
    path: ['hpc', 'run'],
    summary: 'run',
    options: [
      { name: 'cpus-per-task', type: 'number', description: 'c' },
      { name: 'env', short: 'e', type: 'list', description: 'e' },
      { name: 'shell', type: 'boolean', description: 's' },
      { name: 'stream', type: 'string', choices: ['stdout', 'stderr'], description: 's' },
    ],
    positionals: [{ name: 'command', variadic: true, passthrough: true, required: true, description: 'c' }],
    run: noop,
  }),
  defineCommand({ path: ['help'], summary: 'help', positionals: [{ name: 'command', variadic: true, description: 'c' }], run: noop }),
];

test('options, globals and positionals land in typed input', () => {
  const parsed = parseCommandLine(['--output', 'json', 'vm', 'list', 'a', '--cloud=x', 'b'], specs);
  assert.deepEqual(parsed.spec.path, ['vm', 'list']);
  assert.deepEqual(parsed.input, { cloud: 'x', names: ['a', 'b'] });
  assert.equal(parsed.globals.output, 'json');
});

test('kebab options become camelCase, numbers are numbers, lists repeat, -- ends options', () => {
  const parsed = parseCommandLine(['hpc', 'run', '--cpus-per-task', '4', '-e', 'A=1', '-e', 'B=2', '--', 'ls', '--all'], specs);
  assert.deepEqual(parsed.input, { cpusPerTask: 4, env: ['A=1', 'B=2'], command: ['ls', '--all'] });
});

test('words after the command of hpc run belong to the command', () => {
  const parsed = parseCommandLine(['hpc', 'run', 'python3', '-c', 'print(1)', '--shell'], specs);
  assert.deepEqual(parsed.input, { command: ['python3', '-c', 'print(1)', '--shell'] });
});

test('usage errors carry exit code 2 and a did-you-mean', () => {
  const attempt = (words: string[]) => {
    try {
      parseCommandLine(words, specs);
    } catch (error) {
      assert.ok(error instanceof UsageError);
      assert.equal(error.exitCode, 2);
      return error.message;
    }
    assert.fail(`no error for ${words.join(' ')}`);
  };
  assert.match(attempt(['vm', 'lst']), /unknown command "vm lst" \(did you mean "vm list"\?\)/);
  assert.match(attempt(['hcp', 'run']), /did you mean "hpc"/);
  assert.match(attempt(['vm', 'list', '--clod', 'x']), /unknown option "--clod".*did you mean "--cloud"/);
  assert.match(attempt(['hpc', 'run', '--cpus-per-task', 'many', 'x']), /must be a number/);
  assert.match(attempt(['hpc', 'run', '--stream', 'stdot', 'x']), /must be one of stdout, stderr.*did you mean "stdout"/);
  assert.match(attempt(['vm', 'delete']), /needs NAMES/);
  assert.match(attempt(['vm', 'list', '--dry-run']), /does not take --dry-run/);
});

test('--dry-run is accepted by destructive commands', () => {
  const parsed = parseCommandLine(['vm', 'delete', 'a', '--dry-run'], specs);
  assert.equal(parsed.globals.dryRun, true);
});

test('completion offers command words, options, choices and names', async () => {
  const names = async (source: string) => (source === 'cloud' ? ['chameleon', 'aws'] : []);
  assert.deepEqual(await complete([], 'v', specs, names), ['vm']);
  assert.deepEqual(await complete(['vm'], '', specs, names), ['delete', 'list']);
  assert.deepEqual(await complete(['hpc', 'run'], '--s', specs, names), ['--shell', '--stream']);
  assert.deepEqual(await complete(['hpc', 'run', '--stream'], '', specs, names), ['stderr', 'stdout']);
  assert.deepEqual(await complete(['vm', 'list', '--cloud'], 'ch', specs, names), ['chameleon']);
});

test('the same specs give the REST routes: GET for reads, POST for changes, DELETE for destructive ones', async () => {
  const { loadCommands } = await import('../commands/registry.ts');
  const all = await loadCommands();
  const route = (path: string) => restRoute(all.find((s) => s.path.join(' ') === path)!);
  assert.deepEqual(route('var list'), { method: 'GET', path: '/api/var/list' });
  assert.deepEqual(route('hpc run'), { method: 'POST', path: '/api/hpc/run' });
  assert.deepEqual(route('hpc kill'), { method: 'DELETE', path: '/api/hpc/kill' });
  assert.equal(route('shell'), undefined);
  const paths = all.map((s) => s.path.join(' '));
  assert.equal(new Set(paths).size, paths.length, 'no two specs share a path');
});
