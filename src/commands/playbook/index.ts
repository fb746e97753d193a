/**
 * @module commands/playbook
 * `playbook run FILE`: Ansible against cloudmesh's own inventory. The recap per host is the result, the
 * run is audited with its summary, and a failure on any host makes `cm` exit 1.
 */
import { defineCommand, outcome } from '../../core/command.ts';
import { UsageError } from '../../core/errors.ts';

const run = defineCommand<{ file: string; cluster?: string; group?: string; extra?: string[]; check?: boolean }, unknown>({
  path: ['playbook', 'run'],
  summary: 'Run an Ansible playbook against the VMs, clusters and login nodes cloudmesh knows',
  examples: ['cm playbook run site.yml --cluster web', 'cm playbook run ping.yml --group hpc --extra greeting="hello there"'],
  positionals: [{ name: 'file', required: true, complete: 'file', description: 'The playbook' }],
  options: [
    { name: 'cluster', type: 'string', value: 'NAME', complete: 'cluster', description: 'Only the nodes of this cluster' },
    { name: 'group', type: 'string', value: 'GROUP', complete: 'group', description: 'Only the hosts of this group' },
    { name: 'extra', type: 'list', value: 'KEY=VALUE', description: 'Extra variable (repeatable); values are passed literally' },
    { name: 'check', type: 'boolean', description: "Ansible's check mode: report what would change" },
  ],
  changesState: true,
  columns: ['host', 'ok', 'changed', 'unreachable', 'failed', 'skipped'],
  async run(ctx, input) {
    const extra: Record<string, string> = {};
    for (const pair of input.extra ?? []) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--extra needs KEY=VALUE; got "${pair}"`);
      extra[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    const { runPlaybook } = await import('../../services/ansible.ts');
    const result = await runPlaybook(ctx, { file: input.file, ...(input.cluster ? { cluster: input.cluster } : {}), ...(input.group ? { group: input.group } : {}), extra, check: input.check ?? false });
    const bad = result.recap.filter((r) => r.failed > 0 || r.unreachable > 0).map((r) => r.host);
    const summary = result.recap.map((r) => `${r.host} ok=${r.ok} changed=${r.changed} unreachable=${r.unreachable} failed=${r.failed}`).join('; ');
    if (result.exitCode !== 0) {
      const why = bad.length > 0 ? `failed on ${bad.join(', ')}` : `ansible-playbook exited ${result.exitCode}${result.recap.length === 0 ? ` (${lastLine(result.output)})` : ''}`;
      return outcome(result.recap, { exitCode: 1, message: `playbook ${input.file} ${why}${summary ? ` — ${summary}` : ''}` });
    }
    return outcome(result.recap, { message: `playbook ${input.file} ok — ${summary}` });
  },
});

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim()).at(-1)?.slice(0, 300) ?? 'no output';
}

export const commands = [run];
