/**
 * @module commands/image/catalog
 * The `list` and `refresh` commands of the image and flavor groups: one definition for both catalogs.
 */
import { defineCommand } from '../../core/command.ts';
import { selectClouds } from '../../services/clouds.ts';
import { listCatalog, refreshCatalogs, type CatalogKind } from '../../services/images.ts';
import { allOption, bulk, cloudOption, partial, refreshOption } from '../vm/common.ts';

export function catalogCommands(kind: CatalogKind) {
  const noun = kind === 'images' ? 'image' : 'flavor';
  const columns = kind === 'images' ? ['cloud', 'id', 'name', 'status', 'age'] : ['cloud', 'id', 'name', 'vcpus', 'ram_mb', 'disk_gb', 'age'];

  const list = defineCommand<{ names?: string[]; cloud?: string; all?: boolean; refresh?: boolean }, unknown>({
    path: [noun, 'list'],
    summary: `List the ${kind} of a cloud (from the cache; fetched when the cache is empty or with --refresh)`,
    examples: [`cm ${noun} list`, `cm ${noun} list --cloud chameleon --refresh`, `cm ${noun} list "ubuntu*" --all`],
    positionals: [{ name: 'names', variadic: true, description: `Names, ids or globs of ${kind} to show` }],
    options: [cloudOption, allOption, refreshOption],
    columns,
    async run(ctx, input) {
      const clouds = await selectClouds(ctx, input.cloud, input.all);
      const { rows, failures } = await listCatalog(ctx, kind, clouds, !!input.refresh);
      const { globMatch } = await import('../../core/hostlist.ts');
      const picked = input.names?.length ? rows.filter((r) => input.names!.some((p) => r.id === p || globMatch(p, r.name))) : rows;
      return partial(picked, failures);
    },
  });

  const refresh = defineCommand<{ cloud?: string; all?: boolean }, unknown>({
    path: [noun, 'refresh'],
    summary: `Fetch the ${kind} of a cloud (or every active cloud with --all) into the cache`,
    examples: [`cm ${noun} refresh`, `cm ${noun} refresh --all`],
    options: [cloudOption, allOption],
    changesState: true,
    columns: ['cloud', 'ok', 'count', 'ms', 'error'],
    async run(ctx, input) {
      return bulk(await refreshCatalogs(ctx, kind, await selectClouds(ctx, input.cloud, input.all)), 'clouds');
    },
  });

  return [list, refresh];
}
