/**
 * @module commands/cluster/cross-ssh
 * `cluster cross-ssh NAME`: make the nodes of a cluster trust each other over ssh. Every node gets its own
 * new ed25519 key pair (~/.ssh/id_ed25519) and an authorized_keys holding the public key of every node, so
 * any node can log in to any other, and no two nodes share a private key.
 *
 * A private key reaches its node only on the stdin of the installing command — never as an argument (which
 * `ps`, `docker inspect` or a remote shell's history could show), never in the DB or the output. Containers
 * are reached through the engine (exec); VMs over ssh with the user's login, the command line quoted by the
 * one shell-quoting function (transport/quote.ts).
 */
import { spawn } from 'node:child_process';
import type { Context } from '../../core/command.ts';
import type { VmRow } from '../../core/collections.ts';
import { UserError } from '../../core/errors.ts';
import type { DockerProvider } from '../../providers/compute/docker/index.ts';
import { shellLine } from '../../transport/quote.ts';
import { clusterNodes, getCluster, specOf } from '../../services/clusters.ts';
import { resolveLogin, sshArgv } from '../../services/vm-access.ts';
import { ed25519KeyPair } from './keypair.ts';

/** Installs the key pair (private key on stdin, public key $1) and adds each line of $2 to authorized_keys. */
const INSTALL = [
  'set -e',
  'umask 077',
  'd="${HOME:-/root}/.ssh"',
  'mkdir -p "$d"',
  'cat > "$d/id_ed25519"',
  `printf '%s\\n' "$1" > "$d/id_ed25519.pub"`,
  'touch "$d/authorized_keys"',
  `printf '%s\\n' "$2" | while IFS= read -r k; do`,
  '  [ -z "$k" ] || grep -qxF "$k" "$d/authorized_keys" || printf \'%s\\n\' "$k" >> "$d/authorized_keys"',
  'done',
  'wc -l < "$d/authorized_keys"',
].join('\n');

export interface CrossSshRow {
  node: string;
  ok: boolean;
  authorized_keys: number | null;
  error?: string;
}

export async function crossSsh(ctx: Context, name: string, options: { user?: string; identity?: string } = {}): Promise<CrossSshRow[]> {
  const spec = specOf(await getCluster(ctx, name));
  const nodes = (await clusterNodes(ctx, name, { refresh: true })).filter((n) => n.status === 'ACTIVE' && n.id);
  if (nodes.length < 2) throw new UserError(`cluster "${name}" has ${nodes.length} active node(s): cross-ssh needs at least two (cm cluster allocate ${name})`);
  const keys = new Map(nodes.map((n) => [n.name, ed25519KeyPair(`cm-cluster-${name}@${n.name}`)]));
  const authorized = [...keys.values()].map((k) => k.publicKey).join('\n');
  if (ctx.dryRun) return nodes.map((n) => ({ node: n.name, ok: true, authorized_keys: nodes.length }));
  const provider = await ctx.compute(spec.cloud);
  const rows = (await (await ctx.store()).collection('vms').list({ where: { cloud: spec.cloud } }));
  return Promise.all(nodes.map(async (node): Promise<CrossSshRow> => {
    const pair = keys.get(node.name)!;
    const args = ['sh', '-c', INSTALL, 'sh', pair.publicKey, authorized];
    try {
      let result: { code: number; stdout: string; stderr: string };
      if (provider.kind === 'docker') {
        result = await (provider as DockerProvider).containers.exec(node.id!, args, { input: pair.privateKey });
      } else {
        const row = rows.find((r) => r.name === node.name) as VmRow;
        result = await overSsh(ctx, row, shellLine(args), pair.privateKey, options);
      }
      if (result.code !== 0) return { node: node.name, ok: false, authorized_keys: null, error: (result.stderr || result.stdout).trim().slice(0, 300) || `exit ${result.code}` };
      return { node: node.name, ok: true, authorized_keys: Number(result.stdout.trim()) || null };
    } catch (error) {
      return { node: node.name, ok: false, authorized_keys: null, error: error instanceof Error ? error.message : String(error) };
    }
  }));
}

/** Run `command` on a VM over ssh (batch mode, no terminal) with `input` on its stdin. */
async function overSsh(ctx: Context, row: VmRow, command: string, input: string, options: { user?: string; identity?: string }) {
  const { login } = await resolveLogin(ctx, row.name, { cloud: row.cloud, ...(options.user ? { user: options.user } : {}), ...(options.identity ? { identity: options.identity } : {}) });
  const argv = sshArgv(login, command, true);
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (error) => reject(new UserError(`cannot run ssh: ${error.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input);
  });
}
