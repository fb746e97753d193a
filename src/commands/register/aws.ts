/**
 * @module commands/register/aws
 * `register aws`: an EC2 cloud from the AWS profile the user already has (`~/.aws/credentials` +
 * `~/.aws/config`). cloudmesh.yaml gets the profile's name, region and optional endpoint, never the keys.
 * Before writing, the profile's keys are tried once against EC2 (DescribeRegions), which also proves the
 * region exists; `--no-check` skips that (offline registration).
 */
import { defineCommand } from '../../core/command.ts';
import { UserError } from '../../core/errors.ts';
import { didYouMean } from '../../core/suggest.ts';

interface Input {
  profile?: string;
  region?: string;
  name?: string;
  endpoint?: string;
  image?: string[];
  imageOwner?: string[];
  check: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const registerAws = defineCommand<Input, unknown>({
  path: ['register', 'aws'],
  summary: 'Register an AWS EC2 cloud from a profile in ~/.aws (the keys stay there)',
  description:
    'Reads the profile from ~/.aws/credentials and ~/.aws/config (AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE are honoured) and writes clouds.NAME to cloudmesh.yaml with the profile name, region and endpoint only. AWS_ENDPOINT_URL, when set, is used at run time (e.g. for moto) unless --endpoint is given.',
  examples: ['cm register aws', 'cm register aws --profile work --region eu-west-1 --name work', 'cm register aws --image "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-2024*" --image-owner 099720109477', 'cm register aws --name moto --endpoint http://127.0.0.1:5000 --region us-east-1'],
  options: [
    { name: 'profile', type: 'string', value: 'PROFILE', description: 'The AWS profile (default: $AWS_PROFILE or "default")' },
    { name: 'region', type: 'string', value: 'REGION', description: "The region (default: the profile's region in ~/.aws/config)" },
    { name: 'name', type: 'string', value: 'NAME', description: 'The cloud name in cloudmesh (default: aws)' },
    { name: 'endpoint', type: 'string', value: 'URL', description: 'An EC2-compatible endpoint (moto) instead of AWS' },
    { name: 'image', type: 'list', value: 'AMI|PATTERN', description: 'AMI ids or name patterns (ubuntu/images/*jammy*) that image list shows besides the account\'s own AMIs; repeatable' },
    { name: 'image-owner', type: 'list', value: 'OWNER', description: 'Owners the name patterns are searched among (account ids, amazon); repeatable' },
    { name: 'check', type: 'boolean', default: true, description: 'Try the keys and the region against EC2 before writing (--no-check: do not)' },
  ],
  changesState: true,
  async run(ctx, input) {
    const { awsProfileNames, readAwsProfile, resolveAwsSettings, REGION_PATTERN } = await import('../../providers/compute/aws/config.ts');
    const name = input.name ?? 'aws';
    if (!NAME.test(name)) throw new UserError(`"${name}" is not a usable cloud name (letters, digits, . _ -)`);
    const profileName = input.profile ?? (ctx.env.AWS_PROFILE || 'default');
    const profile = readAwsProfile(profileName, ctx.env);
    const envKeys = Boolean(ctx.env.AWS_ACCESS_KEY_ID && ctx.env.AWS_SECRET_ACCESS_KEY);
    if (!profile && !(profileName === 'default' && envKeys)) {
      throw new UserError(`cloud "${name}" (aws): AWS profile "${profileName}" is not in ~/.aws/credentials or ~/.aws/config${didYouMean(profileName, awsProfileNames(ctx.env))}`, {
        hint: `aws configure --profile ${profileName}  (or name another with --profile)`,
      });
    }
    const region = input.region ?? profile?.region ?? (ctx.env.AWS_REGION || ctx.env.AWS_DEFAULT_REGION);
    if (!region) throw new UserError(`cloud "${name}" (aws): profile "${profileName}" names no region`, { hint: 'give --region REGION (e.g. us-east-1)' });
    if (!REGION_PATTERN.test(region)) throw new UserError(`cloud "${name}" (aws): "${region}" is not an AWS region name (like us-east-1)`);
    if (input.endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(input.endpoint)) throw new UserError(`--endpoint must be an http(s) URL, not "${input.endpoint}"`);

    const config = await ctx.config();
    const previous = config.clouds[name];
    if (previous && previous.kind !== 'aws') throw new UserError(`cloud "${name}" is already registered as a ${previous.kind} cloud`, { hint: 'choose another --name, or cm register remove it first' });
    const settings: Record<string, unknown> = { ...(previous?.settings ?? {}), profile: profileName, region };
    if (input.endpoint) settings.endpoint = input.endpoint;
    const patterns = (input.image ?? []).flatMap((i) => i.split(',')).filter(Boolean);
    if (patterns.length || input.imageOwner?.length) {
      // Never every public AMI: the account's own, these ids, and these name patterns (among these owners).
      settings.images = {
        ids: patterns.filter((p) => /^ami-[0-9a-f]+$/.test(p)),
        names: patterns.filter((p) => !/^ami-[0-9a-f]+$/.test(p)),
        owners: (input.imageOwner ?? []).flatMap((o) => o.split(',')).filter(Boolean),
      };
    }
    const entry = { ...(previous ?? {}), kind: 'aws', settings };

    let regions: number | undefined;
    if (input.check) regions = await checkRegion(name, entry, region);
    const { setConfigEntry } = await import('../../config/edit.ts');
    const result = await setConfigEntry(ctx.home, 'clouds', name, entry, { env: ctx.env, command: 'cm register aws' });
    const resolved = resolveAwsSettings(name, entry, ctx.env);
    return {
      cloud: name,
      kind: 'aws',
      profile: profileName,
      region,
      endpoint: resolved.endpoint ?? 'AWS',
      checked: input.check ? `keys accepted; ${regions} regions visible` : 'not checked (--no-check)',
      config: result.path,
      changed: result.changed,
    };

    async function checkRegion(cloud: string, cloudConfig: { kind: string; settings: Record<string, unknown> }, wanted: string): Promise<number> {
      const { openEc2 } = await import('../../providers/compute/aws/client.ts');
      const { RateBudget } = await import('../../core/rate-budget.ts');
      const ec2 = await openEc2({ settings: resolveAwsSettings(cloud, cloudConfig, ctx.env), env: ctx.env, budget: new RateBudget({ retries: 1 }) });
      try {
        let known: string[];
        try {
          known = await ec2.describeRegions();
        } catch (error) {
          if (error instanceof UserError) throw error; // refused keys: already a clear message
          // A region that does not exist has no endpoint (AWS) or is refused (moto): ask a region that
          // surely exists for the list, and report the original failure if the region is in it.
          known = await regionsFrom(cloud, cloudConfig, 'us-east-1').catch(() => {
            throw error;
          });
          if (known.includes(wanted)) throw error;
        }
        if (!known.includes(wanted)) throw new UserError(`cloud "${cloud}" (aws): region "${wanted}" does not exist${didYouMean(wanted, known)}`, { hint: `regions: ${known.sort().join(', ')}` });
        return known.length;
      } finally {
        ec2.close();
      }
    }

    async function regionsFrom(cloud: string, cloudConfig: { kind: string; settings: Record<string, unknown> }, region: string): Promise<string[]> {
      const { openEc2 } = await import('../../providers/compute/aws/client.ts');
      const { RateBudget } = await import('../../core/rate-budget.ts');
      const settings = resolveAwsSettings(cloud, { ...cloudConfig, settings: { ...cloudConfig.settings, region } }, ctx.env);
      const ec2 = await openEc2({ settings, env: ctx.env, budget: new RateBudget({ retries: 0 }) });
      try {
        return await ec2.describeRegions();
      } finally {
        ec2.close();
      }
    }
  },
});
