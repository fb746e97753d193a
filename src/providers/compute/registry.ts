/**
 * @module providers/compute/registry
 * The one list of compute provider kinds. A cloud's `kind` in cloudmesh.yaml picks the entry; the
 * implementation (and its SDK) is imported only when a command first talks to that cloud.
 */
import type { ComputeProvider } from '../../core/compute.ts';
import type { CloudConfig } from '../../core/config.ts';
import { UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';

/** What a provider factory gets: the cloud's name and config, where secrets and files are resolved from. */
export interface ProviderOptions {
  cloud: string;
  config: CloudConfig;
  home: string;
  env: Readonly<Record<string, string | undefined>>;
}

export interface ProviderKind {
  summary: string;
  create(options: ProviderOptions): Promise<ComputeProvider>;
}

// Each entry is added by the provider that implements it; keep them in alphabetical order.
export const COMPUTE_PROVIDERS: Record<string, ProviderKind> = {};

/** Create the provider of `cloud` as configured; unknown kinds are a clear error. */
export async function createComputeProvider(options: ProviderOptions): Promise<ComputeProvider> {
  const kind = COMPUTE_PROVIDERS[options.config.kind];
  if (!kind) {
    throw new UserError(
      `cloud "${options.cloud}" is of kind "${options.config.kind}", which this cloudmesh does not support${didYouMean(options.config.kind, Object.keys(COMPUTE_PROVIDERS))}`,
      { hint: `supported: ${Object.keys(COMPUTE_PROVIDERS).join(', ') || 'none'}` },
    );
  }
  return kind.create(options);
}
