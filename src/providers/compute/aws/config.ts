/**
 * @module providers/compute/aws/config
 * An EC2 cloud's settings in cloudmesh.yaml and the AWS profile files they point at. cloudmesh.yaml holds
 * only the profile's name: the keys stay in `~/.aws/credentials` (or `~/.aws/config`), read when the
 * provider first needs them and never copied, printed or logged.
 *
 * ```yaml
 * clouds:
 *   aws:
 *     kind: aws
 *     settings:
 *       profile: default
 *       region: us-east-1
 *       endpoint: http://127.0.0.1:5000   # optional (moto); AWS_ENDPOINT_URL also works
 *       images: { names: ['ubuntu/images/*'], owners: ['099720109477'], ids: [ami-0123] }
 * ```
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CloudConfig } from '../../../core/config.ts';
import { UserError } from '../../../core/errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Which AMIs `image list` shows: the account's own always, plus these. Never every public AMI. */
export interface ImageFilter {
  /** Name patterns (`*` wildcards), searched among `owners` (or all owners when none are given). */
  names: string[];
  owners: string[];
  ids: string[];
}

export interface AwsSettings {
  cloud: string;
  profile: string;
  region: string;
  /** An EC2-compatible endpoint (moto); undefined for AWS itself. */
  endpoint: string | undefined;
  images: ImageFilter;
  /** Per-request timeout. */
  timeoutMs: number;
}

/** A profile as found in the AWS files. Static keys are returned only to hand them to the SDK. */
export interface AwsProfile {
  name: string;
  region: string | undefined;
  endpoint: string | undefined;
  /** Present when the profile holds static keys; otherwise the SDK resolves it (SSO, role, process). */
  keys: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  /** Where the profile was found (for messages; paths only). */
  files: string[];
}

export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/;

function strings(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String).filter((s) => s !== '');
}

/** The settings of cloud `cloud`, with defaults; the endpoint falls back to AWS_ENDPOINT_URL(_EC2). */
export function resolveAwsSettings(cloud: string, config: CloudConfig, env: Env): AwsSettings {
  const s = (config.settings ?? {}) as Record<string, unknown>;
  const profile = typeof s.profile === 'string' && s.profile ? s.profile : env.AWS_PROFILE || 'default';
  const region = typeof s.region === 'string' && s.region ? s.region : env.AWS_REGION || env.AWS_DEFAULT_REGION;
  if (!region) throw new UserError(`cloud "${cloud}" (aws): no region is set`, { hint: `cm register aws --name ${cloud} --region REGION` });
  if (!REGION_PATTERN.test(region)) throw new UserError(`cloud "${cloud}" (aws): "${region}" is not an AWS region name (like us-east-1)`);
  const endpoint = typeof s.endpoint === 'string' && s.endpoint ? s.endpoint : env.AWS_ENDPOINT_URL_EC2 || env.AWS_ENDPOINT_URL || undefined;
  const images = (typeof s.images === 'object' && s.images !== null ? s.images : {}) as Record<string, unknown>;
  const timeout = Number(s.timeout ?? 30);
  return {
    cloud,
    profile,
    region,
    endpoint,
    images: { names: strings(images.names), owners: strings(images.owners), ids: strings(images.ids) },
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout * 1000 : 30_000,
  };
}

/** `~/.aws/credentials` and `~/.aws/config`, honouring AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE. */
export function awsFiles(env: Env): { credentials: string; config: string } {
  const home = env.HOME || homedir();
  return {
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
  };
}

/** INI sections as written: `[name]` → key/value pairs (comments and blank lines skipped). */
export function parseIni(text: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = sections.get(header[1]!) ?? {};
      sections.set(header[1]!, current);
      continue;
    }
    const eq = line.indexOf('=');
    if (current && eq > 0 && !/^\s/.test(raw)) current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return sections;
}

function readIni(path: string): Map<string, Record<string, string>> | undefined {
  try {
    return parseIni(readFileSync(path, 'utf8'));
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new UserError(`cannot read ${path}: ${(error as { code?: string }).code ?? 'unknown error'}`);
  }
}

/** Every profile name in the two files (for "did you mean" and `register aws` messages). */
export function awsProfileNames(env: Env): string[] {
  const files = awsFiles(env);
  const names = new Set<string>(readIni(files.credentials)?.keys() ?? []);
  for (const section of readIni(files.config)?.keys() ?? []) names.add(section.replace(/^profile\s+/, ''));
  return [...names];
}

/** The profile `name`, or undefined when neither file has it. */
export function readAwsProfile(name: string, env: Env): AwsProfile | undefined {
  const files = awsFiles(env);
  const fromCredentials = readIni(files.credentials)?.get(name);
  const config = readIni(files.config);
  const fromConfig = config?.get(name === 'default' ? 'default' : `profile ${name}`) ?? config?.get(name);
  if (!fromCredentials && !fromConfig) return undefined;
  const merged = { ...fromConfig, ...fromCredentials };
  const id = merged.aws_access_key_id;
  const secret = merged.aws_secret_access_key;
  return {
    name,
    region: fromConfig?.region || undefined,
    endpoint: fromConfig?.endpoint_url || undefined,
    keys: id && secret ? { accessKeyId: id, secretAccessKey: secret, ...(merged.aws_session_token ? { sessionToken: merged.aws_session_token } : {}) } : undefined,
    files: [fromCredentials ? files.credentials : undefined, fromConfig ? files.config : undefined].filter((f): f is string => f !== undefined),
  };
}
