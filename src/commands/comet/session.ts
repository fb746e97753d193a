/**
 * @module commands/comet/session
 * Opens the Comet client a `cm comet` command needs: the endpoint from `--endpoint` or the active one.
 */
import type { Context, OptionSpec } from '../../core/command.ts';
import type { Comet } from '../../providers/comet/index.ts';

export const endpointOption: OptionSpec = { name: 'endpoint', type: 'string', value: 'NAME', description: 'Comet endpoint (default: comet.active in cloudmesh.yaml)' };

/** Run `work` with a client for the chosen endpoint, closing it afterwards. */
export async function withComet<T>(ctx: Context, endpoint: string | undefined, work: (comet: Comet) => Promise<T>): Promise<T> {
  const { createComet, pickEndpoint, clientOptions } = await import('../../providers/comet/index.ts');
  const config = await ctx.config();
  const name = pickEndpoint(config.comet, endpoint);
  const comet = createComet(await clientOptions(config.comet, name, ctx.home, ctx.env), () => ctx.now());
  try {
    return await work(comet);
  } finally {
    await comet.close();
  }
}
