/**
 * @module commands/container
 * `container run|list|start|stop|rm|logs|exec`: containers on a Docker Engine (services/containers.ts
 * picks which). Images are never pulled; commands are argument arrays, never shell lines.
 */
import { defineCommand, outcome, type OptionSpec } from '../../core/command.ts';
import { containerEngine } from '../../services/containers.ts';

const cloud: OptionSpec = { name: 'cloud', type: 'string', value: 'NAME', complete: 'cloud', description: 'Docker cloud (default: the docker cloud, else /var/run/docker.sock)' };
const columns = ['name', 'id', 'image', 'state', 'status', 'ports', 'ip'] as const;

interface RunInput {
  image: string;
  command?: string[];
  name?: string;
  cpus?: number;
  memory?: string;
  port?: string[];
  env?: string[];
  network?: string;
  cloud?: string;
}

const run = defineCommand<RunInput, unknown>({
  path: ['container', 'run'],
  summary: 'Start a container from a local image (detached)',
  description:
    'Options go before IMAGE; words after it are the command and its arguments (no shell). The image must be on the engine ' +
    'already: cloudmesh never pulls. --port publishes HOST on 127.0.0.1 unless an address is given.',
  examples: ['cm container run --name web --port 127.0.0.1:8080:80 cm/busybox:local httpd -f -p 80', 'cm container run --cpus 0.5 --memory 64m --env MODE=test cm/busybox:local sleep 600'],
  positionals: [
    { name: 'image', required: true, description: 'Local image (name:tag or id)' },
    { name: 'command', variadic: true, passthrough: true, description: 'Command and arguments (default: the image\'s)' },
  ],
  options: [
    cloud,
    { name: 'name', type: 'string', value: 'NAME', description: 'Container name' },
    { name: 'cpus', type: 'number', value: 'N', description: 'CPU limit (e.g. 0.5, 2)' },
    { name: 'memory', short: 'm', type: 'string', value: 'SIZE', description: 'Memory limit (e.g. 64m, 2g)' },
    { name: 'port', short: 'p', type: 'list', value: '[IP:]HOST:CONTAINER', description: 'Publish a port (repeatable)' },
    { name: 'env', short: 'e', type: 'list', value: 'NAME=VALUE', description: 'Environment variable (repeatable)' },
    { name: 'network', type: 'string', value: 'NET', description: 'Network to join' },
  ],
  changesState: true,
  columns: ['name', 'id', 'image', 'state', 'ports', 'cpus', 'memory_mb'],
  async run(ctx, input) {
    const { engine } = await containerEngine(ctx, input.cloud);
    return engine.run({
      image: input.image,
      ...(input.command?.length ? { command: input.command } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.cpus !== undefined ? { cpus: input.cpus } : {}),
      ...(input.memory !== undefined ? { memory: input.memory } : {}),
      ...(input.port ? { ports: input.port } : {}),
      ...(input.env ? { env: input.env } : {}),
      ...(input.network ? { network: input.network } : {}),
    });
  },
});

const list = defineCommand<{ all?: boolean; cloud?: string }, unknown>({
  path: ['container', 'list'],
  summary: 'Containers on the engine (running ones; --all for every one)',
  examples: ['cm container list', 'cm container list --all --output json'],
  options: [cloud, { name: 'all', short: 'a', type: 'boolean', description: 'Stopped containers too' }],
  columns,
  async run(ctx, input) {
    const { engine } = await containerEngine(ctx, input.cloud);
    return engine.list({ all: input.all === true });
  },
});

/** start/stop/rm: one result per container, exit 1 when any failed. */
function bulk(action: 'start' | 'stop' | 'rm', summary: string, destructive = false) {
  return defineCommand<{ names: string[]; cloud?: string }, unknown>({
    path: ['container', action],
    summary,
    examples: [`cm container ${action} web`, `cm container ${action} web db`],
    positionals: [{ name: 'names', required: true, variadic: true, description: 'Container names or ids' }],
    options: [cloud],
    changesState: true,
    destructive,
    columns: ['name', 'ok', 'status', 'error'],
    async run(ctx, input) {
      const { engine } = await containerEngine(ctx, input.cloud);
      if (ctx.dryRun) return input.names.map((name) => ({ name, ok: true, status: `would ${action}` }));
      const results = await Promise.all(input.names.map(async (name) => {
        try {
          if (action === 'rm') await engine.remove(name);
          else await engine[action](name);
          return { name, ok: true, status: action === 'rm' ? 'removed' : action === 'start' ? 'started' : 'stopped' };
        } catch (error) {
          return { name, ok: false, status: 'failed', error: error instanceof Error ? error.message : String(error) };
        }
      }));
      const failed = results.filter((r) => !r.ok).length;
      return outcome(results, failed > 0 ? { exitCode: 1, message: `${failed} of ${results.length} failed` } : {});
    },
  });
}

const logs = defineCommand<{ name: string; tail?: number; cloud?: string }, unknown>({
  path: ['container', 'logs'],
  summary: "A container's output (stdout and stderr as written)",
  examples: ['cm container logs web', 'cm container logs web --tail 20'],
  positionals: [{ name: 'name', required: true, description: 'Container name or id' }],
  options: [cloud, { name: 'tail', type: 'number', value: 'N', description: 'Last N lines (default 1000)' }],
  raw: true,
  async run(ctx, input) {
    const { engine } = await containerEngine(ctx, input.cloud);
    return engine.logs(input.name, input.tail ?? 1000);
  },
});

const exec = defineCommand<{ name: string; command: string[]; cloud?: string }, unknown>({
  path: ['container', 'exec'],
  summary: 'Run a command in a running container (no shell, no terminal); exits with its exit code',
  examples: ['cm container exec web cat /etc/hostname', 'cm container exec web sh -c "ls /tmp | wc -l"'],
  positionals: [
    { name: 'name', required: true, description: 'Container name or id' },
    { name: 'command', required: true, variadic: true, passthrough: true, description: 'Command and arguments' },
  ],
  options: [cloud],
  changesState: true,
  raw: true,
  async run(ctx, input) {
    const { engine } = await containerEngine(ctx, input.cloud);
    const result = await engine.exec(input.name, input.command);
    if (result.stderr) ctx.out.warn(result.stderr.trimEnd());
    return result.code === 0 ? result.stdout : outcome(result.stdout, { exitCode: result.code, message: `exit code ${result.code}` });
  },
});

export const commands = [run, list, bulk('start', 'Start stopped containers'), bulk('stop', 'Stop containers'), bulk('rm', 'Remove containers (running ones too)', true), logs, exec];
