/**
 * Test fixtures for the EC2 provider against moto (shared by aws.test.ts and faults.test.ts): a HOME with a
 * ~/.aws profile as `aws configure` writes it, and a cloud config pointing at moto. Test code only.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudConfig } from '../../../core/config.ts';

export const MOTO = process.env.CM_MOTO_URL ?? 'http://127.0.0.1:5000';
export const XENIAL = 'ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-20170721';

export async function motoUp(): Promise<boolean> {
  try {
    return (await fetch(`${MOTO}/moto-api/`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

/** A HOME with ~/.aws holding a profile, as `aws configure` writes it; moto accepts any keys. */
export function awsHome(profile = 'cmtest', region = 'eu-north-1'): string {
  const home = mkdtempSync(join(tmpdir(), 'cm-aws-'));
  mkdirSync(join(home, '.aws'), { mode: 0o700 });
  writeFileSync(join(home, '.aws', 'credentials'), `[${profile}]\naws_access_key_id = AKIDCMTEST\naws_secret_access_key = cm-test-secret-value\n`, { mode: 0o600 });
  writeFileSync(join(home, '.aws', 'config'), `[profile ${profile}]\nregion = ${region}\n`);
  return home;
}

export function motoCloud(profile = 'cmtest', region = 'eu-north-1', extra: Record<string, unknown> = {}): CloudConfig {
  return { kind: 'aws', settings: { profile, region, endpoint: MOTO, images: { names: ['ubuntu/images/hvm-ssd/ubuntu-xenial-*'], owners: ['099720109477'] }, ...extra } };
}

/** `false` when moto answers, else the reason to skip. */
export async function motoSkip(): Promise<false | string> {
  return (await motoUp()) ? false : `moto does not answer at ${MOTO} (start it with .ci/moto.sh)`;
}
