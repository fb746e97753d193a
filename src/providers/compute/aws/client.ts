/**
 * @module providers/compute/aws/client
 * The only file that talks to `@aws-sdk/client-ec2`, imported lazily on first use so `cm --version` and
 * every command that does not touch EC2 never load it. The SDK's own retries are off (maxAttempts 1): every
 * call goes through the cloud's `RateBudget`, which retries throttling for any call and transient failures
 * only for calls marked idempotent here, so a retry never repeats something that may already have happened.
 */
import { BackendError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import type { RateBudget } from '../../../core/rate-budget.ts';
import type { AwsSettings } from './config.ts';
import { awsProfileNames, readAwsProfile } from './config.ts';
import type { Ec2Address, Ec2Image, Ec2Instance, Ec2InstanceType, Ec2KeyPair, Ec2Permission, Ec2SecurityGroup, Ec2Tag } from './map.ts';
import { requirePackage } from '../../../vendor/require.ts';

type Env = Readonly<Record<string, string | undefined>>;
type Sdk = typeof import('@aws-sdk/client-ec2');

/** A failed EC2 call, with EC2's error code (`InvalidInstanceID.NotFound` …) for callers to branch on. */
export class Ec2Error extends BackendError {
  readonly code: string;
  constructor(cloud: string, operation: string, code: string, cause: unknown, message?: string) {
    super(`aws:${cloud}`, operation, cause, message ?? `cloud "${cloud}" (aws): ${operation} failed: ${code}: ${(cause as Error)?.message ?? cause}`);
    this.code = code;
  }
}

const AUTH_CODES = new Set(['AuthFailure', 'UnrecognizedClientException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'IncompleteSignature', 'OptInRequired', 'UnauthorizedOperation', 'ExpiredToken', 'RequestExpired']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export interface Ec2ClientOptions {
  settings: AwsSettings;
  env: Env;
  budget: RateBudget;
}

/** Typed EC2 calls. Each one names whether it is safe to repeat after a failure whose outcome is unknown. */
export async function openEc2(options: Ec2ClientOptions) {
  const { settings, env, budget } = options;
  const cloud = settings.cloud;
  const sdk = requirePackage<Sdk>('@aws-sdk/client-ec2');
  const profile = readAwsProfile(settings.profile, env);
  let credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined;
  if (profile?.keys) credentials = profile.keys;
  else if (!profile && settings.profile === 'default' && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    credentials = { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
  } else if (!profile) {
    throw new UserError(`cloud "${cloud}" (aws): AWS profile "${settings.profile}" is not in ~/.aws/credentials or ~/.aws/config${didYouMean(settings.profile, awsProfileNames(env))}`, {
      hint: 'aws configure --profile NAME, then cm register aws --profile NAME',
    });
  }
  const endpoint = settings.endpoint ?? profile?.endpoint;
  const client = new sdk.EC2Client({
    region: settings.region,
    ...(endpoint ? { endpoint } : {}),
    // Without static keys the SDK resolves the profile itself (SSO, assumed role, credential_process).
    ...(credentials ? { credentials } : { profile: settings.profile }),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: Math.min(settings.timeoutMs, 10_000), requestTimeout: settings.timeoutMs, throwOnRequestTimeout: true },
  });

  /** Send one command through the budget, turning SDK errors into cloudmesh errors. */
  async function send<T>(operation: string, command: object, idempotent: boolean): Promise<T> {
    try {
      return (await budget.run(() => client.send(command as never), { idempotent })) as T;
    } catch (error) {
      throw translate(operation, error);
    }
  }

  function translate(operation: string, error: unknown): Error {
    const e = error as { name?: string; Code?: string; code?: string; message?: string };
    const code = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code ?? 'Error';
    if (AUTH_CODES.has(code)) {
      // EC2's message names the problem (never the secret); the profile tells the user which keys to fix.
      return new UserError(`cloud "${cloud}" (aws): EC2 refused the credentials of profile "${settings.profile}" (${code}) during ${operation}`, {
        cause: error,
        hint: `check the keys of [${settings.profile}] in ~/.aws/credentials`,
      });
    }
    if (e.code && UNREACHABLE.has(e.code)) {
      const where = endpoint ?? `EC2 in region ${settings.region}`;
      return new Ec2Error(cloud, operation, e.code, error, `cloud "${cloud}" (aws): cannot reach ${where} (${e.code})${endpoint ? '' : '; does the region exist?'}`);
    }
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status && /Deserialization error|XML parse error/.test(e.message ?? '')) {
      // A proxy or a broken emulator answered with something that is not an EC2 response (an HTML error page).
      return new Ec2Error(cloud, operation, `HTTP${status}`, error, `cloud "${cloud}" (aws): ${operation} failed: HTTP ${status} from ${endpoint ?? `EC2 in ${settings.region}`} (not an EC2 response)`);
    }
    return new Ec2Error(cloud, operation, code, error);
  }

  /** Follow NextToken until the listing ends. */
  async function paged<T>(operation: string, make: (token: string | undefined) => object, pick: (page: any) => T[]): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    do {
      const page = await send<any>(operation, make(token), true);
      items.push(...pick(page));
      token = page.NextToken || undefined;
    } while (token);
    return items;
  }

  const tagFilters = (tags: Record<string, string>) => Object.entries(tags).map(([k, v]) => ({ Name: `tag:${k}`, Values: [v] }));

  return {
    region: settings.region,
    endpoint,

    async describeInstances(query: { ids?: string[]; tags?: Record<string, string> } = {}): Promise<Ec2Instance[]> {
      const filters = query.tags ? tagFilters(query.tags) : undefined;
      return paged('DescribeInstances',
        (NextToken) => new sdk.DescribeInstancesCommand({ ...(query.ids ? { InstanceIds: query.ids } : { MaxResults: 1000 }), ...(filters ? { Filters: filters } : {}), NextToken }),
        (page) => (page.Reservations ?? []).flatMap((r: { Instances?: Ec2Instance[] }) => r.Instances ?? []));
    },
    /** Not retried here: `boot` repeats it itself after looking for the VM by its token. */
    async runInstance(input: { image: string; flavor: string; key?: string; secgroupIds?: string[]; subnet?: string; userData?: string; tags: Ec2Tag[]; clientToken: string }): Promise<Ec2Instance> {
      const out = await send<{ Instances?: Ec2Instance[] }>('RunInstances', new sdk.RunInstancesCommand({
        ImageId: input.image,
        InstanceType: input.flavor as never,
        MinCount: 1,
        MaxCount: 1,
        ClientToken: input.clientToken,
        ...(input.key ? { KeyName: input.key } : {}),
        ...(input.secgroupIds?.length ? { SecurityGroupIds: input.secgroupIds } : {}),
        ...(input.subnet ? { SubnetId: input.subnet } : {}),
        ...(input.userData ? { UserData: Buffer.from(input.userData).toString('base64') } : {}),
        TagSpecifications: [{ ResourceType: 'instance', Tags: input.tags }],
      }), false);
      const instance = out.Instances?.[0];
      if (!instance?.InstanceId) throw new Ec2Error(cloud, 'RunInstances', 'EmptyResponse', undefined, `cloud "${cloud}" (aws): RunInstances returned no instance`);
      return instance;
    },
    start: (id: string) => send('StartInstances', new sdk.StartInstancesCommand({ InstanceIds: [id] }), true),
    stop: (id: string) => send('StopInstances', new sdk.StopInstancesCommand({ InstanceIds: [id] }), true),
    reboot: (id: string) => send('RebootInstances', new sdk.RebootInstancesCommand({ InstanceIds: [id] }), true),
    terminate: (id: string) => send('TerminateInstances', new sdk.TerminateInstancesCommand({ InstanceIds: [id] }), true),
    createTags: (id: string, tags: Ec2Tag[]) => send('CreateTags', new sdk.CreateTagsCommand({ Resources: [id], Tags: tags }), true),
    async consoleOutput(id: string): Promise<string> {
      const out = await send<{ Output?: string }>('GetConsoleOutput', new sdk.GetConsoleOutputCommand({ InstanceId: id, Latest: true }), true);
      return out.Output ? Buffer.from(out.Output, 'base64').toString('utf8') : '';
    },

    async describeImages(query: { ids?: string[]; owners?: string[]; names?: string[] }): Promise<Ec2Image[]> {
      const filters = query.names?.length ? [{ Name: 'name', Values: query.names }] : undefined;
      return paged('DescribeImages',
        (NextToken) => new sdk.DescribeImagesCommand({
          ...(query.ids ? { ImageIds: query.ids } : { MaxResults: 1000, NextToken }),
          ...(query.owners?.length ? { Owners: query.owners } : {}),
          ...(filters ? { Filters: filters } : {}),
        }),
        (page) => page.Images ?? []);
    },
    async describeInstanceTypes(names?: string[]): Promise<Ec2InstanceType[]> {
      return paged('DescribeInstanceTypes',
        (NextToken) => new sdk.DescribeInstanceTypesCommand(names ? { InstanceTypes: names as never[] } : { MaxResults: 100, NextToken }),
        (page) => page.InstanceTypes ?? []);
    },

    async describeKeyPairs(names?: string[]): Promise<Ec2KeyPair[]> {
      const out = await send<{ KeyPairs?: Ec2KeyPair[] }>('DescribeKeyPairs', new sdk.DescribeKeyPairsCommand({ ...(names ? { KeyNames: names } : {}), IncludePublicKey: true }), true);
      return out.KeyPairs ?? [];
    },
    importKeyPair: (name: string, publicKey: string, tags: Ec2Tag[]) =>
      send<Ec2KeyPair>('ImportKeyPair', new sdk.ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: Buffer.from(publicKey), TagSpecifications: [{ ResourceType: 'key-pair', Tags: tags }] }), false),
    deleteKeyPair: (name: string) => send('DeleteKeyPair', new sdk.DeleteKeyPairCommand({ KeyName: name }), true),

    async describeSecurityGroups(names?: string[]): Promise<Ec2SecurityGroup[]> {
      return paged('DescribeSecurityGroups',
        (NextToken) => new sdk.DescribeSecurityGroupsCommand(names ? { Filters: [{ Name: 'group-name', Values: names }] } : { MaxResults: 1000, NextToken }),
        (page) => page.SecurityGroups ?? []);
    },
    async createSecurityGroup(name: string, description: string): Promise<string> {
      const out = await send<{ GroupId?: string }>('CreateSecurityGroup', new sdk.CreateSecurityGroupCommand({ GroupName: name, Description: description }), false);
      return out.GroupId ?? '';
    },
    authorize: (groupId: string, permissions: Ec2Permission[]) =>
      send('AuthorizeSecurityGroupIngress', new sdk.AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions as never }), false),
    revoke: (groupId: string, permissions: Ec2Permission[]) =>
      send('RevokeSecurityGroupIngress', new sdk.RevokeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: permissions as never }), true),
    deleteSecurityGroup: (groupId: string) => send('DeleteSecurityGroup', new sdk.DeleteSecurityGroupCommand({ GroupId: groupId }), true),

    async describeAddresses(tags?: Record<string, string>): Promise<Ec2Address[]> {
      const out = await send<{ Addresses?: Ec2Address[] }>('DescribeAddresses', new sdk.DescribeAddressesCommand(tags ? { Filters: tagFilters(tags) } : {}), true);
      return out.Addresses ?? [];
    },
    /** Never retried after an unknown outcome: a second try could allocate (and bill) a second address. */
    allocateAddress: (tags: Ec2Tag[]) =>
      send<Ec2Address>('AllocateAddress', new sdk.AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: [{ ResourceType: 'elastic-ip', Tags: tags }] }), false),
    associateAddress: (allocationId: string, instanceId: string) =>
      send('AssociateAddress', new sdk.AssociateAddressCommand({ AllocationId: allocationId, InstanceId: instanceId }), true),
    releaseAddress: (allocationId: string) => send('ReleaseAddress', new sdk.ReleaseAddressCommand({ AllocationId: allocationId }), true),

    async accountAttributes(): Promise<Record<string, string[]>> {
      const out = await send<{ AccountAttributes?: { AttributeName?: string; AttributeValues?: { AttributeValue?: string }[] }[] }>(
        'DescribeAccountAttributes', new sdk.DescribeAccountAttributesCommand({}), true);
      return Object.fromEntries((out.AccountAttributes ?? []).map((a) => [a.AttributeName ?? '', (a.AttributeValues ?? []).map((v) => v.AttributeValue ?? '')]));
    },
    async describeRegions(): Promise<string[]> {
      const out = await send<{ Regions?: { RegionName?: string }[] }>('DescribeRegions', new sdk.DescribeRegionsCommand({ AllRegions: true }), true);
      return (out.Regions ?? []).map((r) => r.RegionName ?? '').filter(Boolean);
    },
    close(): void {
      client.destroy();
    },
  };
}

export type Ec2Api = Awaited<ReturnType<typeof openEc2>>;
