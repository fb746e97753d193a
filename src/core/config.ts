/**
 * @module core/config
 * The resolved shape of `cloudmesh.yaml`. Secrets stay as written (`env:VAR`, `file:PATH` or a literal)
 * and are resolved only at the moment a provider needs them, through `resolveSecret`.
 */

/** A registered HPC cluster. `local` always exists, even when not written in the file. */
export interface ClusterConfig {
  scheduler: string;
  transport?: string;
  host?: string;
  user?: string;
  port?: number;
  key?: string;
  /** Remote directory jobs run in when no `--dir` is given. */
  workdir?: string;
  partition?: string;
  /** Slurm: where finished jobs are looked up (`auto` tries sacct, then scontrol). */
  accounting?: string;
  [extra: string]: unknown;
}

/** A registered cloud. Provider-specific fields live in `credentials` and `settings`. */
export interface CloudConfig {
  kind: string;
  active?: boolean;
  credentials?: Record<string, string>;
  settings?: Record<string, unknown>;
  default?: Record<string, string>;
}

/** Where state is kept. */
export interface DatabaseConfig {
  backend: string;
  path?: string;
  url?: string;
}

/** SDSC Comet's nucleus API: one entry per endpoint (`production`, `dev` …), `active` picks one. */
export interface CometConfig {
  username?: string;
  active?: string;
  endpoints?: Record<string, CometEndpointConfig>;
}
export interface CometEndpointConfig {
  nucleus_base_url: string;
  api_version?: string;
  auth_provider?: 'apikey' | 'userpass';
  api_key?: string;
  /** HMAC secret of the API key: a secret, usually `file:` a 0600 file `comet init` wrote. */
  api_secret?: string;
  /** USERPASS only; the password plus a YubiKey OTP is never stored, so this is normally absent. */
  password?: string;
}

export interface Config {
  /** Absolute path of the file this came from. */
  path: string;
  version: number;
  profile: { user: string; email?: string };
  clouds: Record<string, CloudConfig>;
  clusters: Record<string, ClusterConfig>;
  database: DatabaseConfig;
  comet?: CometConfig;
}
