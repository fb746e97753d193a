/**
 * @module providers/compute/aws
 * AWS EC2 (or an EC2-compatible endpoint such as moto) as a `ComputeProvider`. One cloud = one account
 * profile + one region. VMs carry their cloudmesh name, group and boot token in tags, so a listing finds
 * them again and a retried boot finds the VM the first attempt made. `client.ts` is the only file that
 * loads the SDK.
 */
import { CM_TAGS, capabilitiesExcept } from '../../../core/compute.ts';
import type { ComputeProvider, Flavor, Image, KeyPair, SecurityGroup, Vm, VmSpec } from '../../../core/compute.ts';
import { NotFoundError, UserError } from '../../../core/errors.ts';
import { didYouMean } from '../../../core/suggest.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { budgetFor, classify } from '../../../core/rate-budget.ts';
import type { ProviderOptions } from '../registry.ts';
import { Ec2Error, openEc2 } from './client.ts';
import type { Ec2Api } from './client.ts';
import { resolveAwsSettings } from './config.ts';
import type { AwsSettings } from './config.ts';
import { bootTags, isAmiId, keyIdentity, ruleDiff, toFlavor, toFloatingIp, toImage, toKeyPair, toPermission, toSecurityGroup, toVm } from './map.ts';

export { resolveAwsSettings } from './config.ts';

const KEY_HASH_TAG = 'cm.pubkey-sha256';
const EIP_VM_TAG = 'cm.vm';
/** Tries of one boot (each looks for the token's VM first, so a repeat never makes a second VM). */
const BOOT_ATTEMPTS = 4;

const isNotFound = (error: unknown, ...codes: string[]) => error instanceof Ec2Error && codes.includes(error.code);

export async function createAwsProvider(options: ProviderOptions): Promise<ComputeProvider> {
  // Settings are checked when the cloud is first used, so capabilities() (cm provider list) works without one.
  let checked: AwsSettings | undefined;
  let invalid: unknown;
  try {
    checked = resolveAwsSettings(options.cloud, options.config, options.env);
  } catch (error) {
    invalid = error;
  }
  const settings = (): AwsSettings => {
    if (!checked) throw invalid;
    return checked;
  };
  const cloud = options.cloud;
  let api: Promise<Ec2Api> | undefined;
  // The SDK loads on the first call, not when the provider is made (listing clouds must stay cheap).
  const ec2 = () => (api ??= openEc2({ settings: settings(), env: options.env, budget: budgetFor(`aws:${cloud}`) }).catch((error) => {
    api = undefined;
    throw error;
  }));
  const knownFlavors = new Set<string>();

  const provider: ComputeProvider = {
    kind: 'aws',
    cloud,
    capabilities: () => capabilitiesExcept(),

    async listVms() {
      return (await (await ec2()).describeInstances()).map(toVm);
    },
    async getVm(id) {
      try {
        const [instance] = await (await ec2()).describeInstances({ ids: [id] });
        return instance ? toVm(instance) : null;
      } catch (error) {
        if (isNotFound(error, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) return null;
        throw error;
      }
    },

    async boot(spec) {
      const client = await ec2();
      const image = await resolveImage(client, spec.image);
      await checkFlavor(client, spec.flavor);
      if (spec.key) await checkKey(client, spec.key);
      const secgroupIds = spec.secgroups?.length ? await secgroupIdsOf(client, spec.secgroups) : undefined;
      const input = {
        image,
        flavor: spec.flavor,
        clientToken: spec.clientToken,
        tags: bootTags(spec),
        ...(spec.key ? { key: spec.key } : {}),
        ...(secgroupIds ? { secgroupIds } : {}),
        ...(spec.network ? { subnet: spec.network } : {}),
        ...(spec.userData ? { userData: spec.userData } : {}),
      };
      // EC2 itself makes RunInstances idempotent on ClientToken; emulators may not, and a response lost on
      // the way back must not become a second VM either, so every attempt first looks for the token's VM.
      for (let attempt = 1; ; attempt++) {
        try {
          const found = await findByToken(client, spec);
          return found ?? toVm(await client.runInstance(input));
        } catch (error) {
          // Throttling was already waited out inside the client; here only an unknown outcome is retried.
          if (attempt >= BOOT_ATTEMPTS || classify(error).kind !== 'transient') throw error;
          await sleep(500 * 2 ** (attempt - 1));
        }
      }
    },
    async start(id) {
      await (await ec2()).start(id).catch(vmNotFound(id));
    },
    async stop(id) {
      await (await ec2()).stop(id).catch(vmNotFound(id));
    },
    async reboot(id) {
      await (await ec2()).reboot(id).catch(vmNotFound(id));
    },
    async delete(id) {
      const client = await ec2();
      try {
        await client.terminate(id);
      } catch (error) {
        if (isNotFound(error, 'InvalidInstanceID.NotFound')) return;
        throw error;
      }
      // Elastic IPs outlive the instance (and cost money): release the ones cloudmesh allocated for it.
      for (const address of await client.describeAddresses({ [EIP_VM_TAG]: id })) {
        if (address.AllocationId) await client.releaseAddress(address.AllocationId).catch(() => undefined);
      }
    },
    async rename(id, name) {
      await (await ec2()).createTags(id, [{ Key: 'Name', Value: name }, { Key: CM_TAGS.name, Value: name }]).catch(vmNotFound(id));
    },
    async console(id) {
      return (await ec2()).consoleOutput(id).catch(vmNotFound(id));
    },

    async listImages() {
      const client = await ec2();
      const { names, owners, ids } = settings().images;
      const lists = await Promise.all([
        client.describeImages({ owners: ['self'] }),
        names.length ? client.describeImages({ names, owners }) : [],
        ids.length ? client.describeImages({ ids }) : [],
      ]);
      return [...new Map(lists.flat().map((i) => [i.ImageId, toImage(i)])).values()];
    },
    async listFlavors() {
      return (await (await ec2()).describeInstanceTypes()).map(toFlavor).sort((a: Flavor, b: Flavor) => a.name.localeCompare(b.name));
    },

    async listKeys() {
      return (await (await ec2()).describeKeyPairs()).map(toKeyPair);
    },
    async uploadKey(name, publicKey) {
      const client = await ec2();
      const identity = keyIdentity(publicKey);
      try {
        return { ...toKeyPair(await client.importKeyPair(name, publicKey, [{ Key: KEY_HASH_TAG, Value: identity }])), name, publicKey };
      } catch (error) {
        if (!isNotFound(error, 'InvalidKeyPair.Duplicate')) throw error;
      }
      const [existing] = await client.describeKeyPairs([name]);
      const tags = Object.fromEntries(((existing as { Tags?: { Key: string; Value: string }[] } | undefined)?.Tags ?? []).map((t) => [t.Key, t.Value]));
      const same = tags[KEY_HASH_TAG] ? tags[KEY_HASH_TAG] === identity : existing?.PublicKey ? keyIdentity(existing.PublicKey) === identity : true;
      if (!same) throw new UserError(`cloud "${cloud}" (aws): a different key named "${name}" already exists`, { hint: `delete it first (cm key delete ${name} --cloud ${cloud}) or choose another name` });
      return toKeyPair(existing ?? { KeyName: name });
    },
    async deleteKey(name) {
      await (await ec2()).deleteKeyPair(name);
    },

    async listSecgroups() {
      return (await (await ec2()).describeSecurityGroups()).map(toSecurityGroup);
    },
    async uploadSecgroup(group) {
      const client = await ec2();
      let [current] = await client.describeSecurityGroups([group.name]);
      if (!current) {
        try {
          await client.createSecurityGroup(group.name, group.description || `cloudmesh security group ${group.name}`);
        } catch (error) {
          if (!isNotFound(error, 'InvalidGroup.Duplicate')) throw error;
        }
        [current] = await client.describeSecurityGroups([group.name]);
      }
      const id = current?.GroupId;
      if (!id) throw new NotFoundError(`cloud "${cloud}" (aws): security group "${group.name}" vanished while it was being created`);
      const { add, remove } = ruleDiff(toSecurityGroup(current!).rules, group.rules);
      if (remove.length) await client.revoke(id, remove.map(toPermission));
      for (const rule of add) {
        // One rule per call: a duplicate (a retry, a concurrent sync) then refuses only itself.
        await client.authorize(id, [toPermission(rule)]).catch((error) => {
          if (!isNotFound(error, 'InvalidPermission.Duplicate')) throw error;
        });
      }
      const [synced] = await client.describeSecurityGroups([group.name]);
      return toSecurityGroup(synced ?? current!);
    },
    async deleteSecgroup(name) {
      const client = await ec2();
      const [group] = await client.describeSecurityGroups([name]);
      if (!group?.GroupId) {
        const names = (await client.describeSecurityGroups()).map((g) => g.GroupName ?? '');
        throw new NotFoundError(`cloud "${cloud}" (aws): no security group "${name}"${didYouMean(name, names)}`);
      }
      await client.deleteSecurityGroup(group.GroupId).catch((error) => {
        if (!isNotFound(error, 'InvalidGroup.NotFound')) throw error;
      });
    },

    async assignIp(id) {
      const client = await ec2();
      const vm = await provider.getVm(id);
      if (!vm || vm.state === 'DELETED') throw new NotFoundError(`cloud "${cloud}" (aws): no VM with id "${id}"`);
      const attached = (await client.describeAddresses()).find((a) => a.InstanceId === id);
      if (attached?.PublicIp) return attached.PublicIp;
      const address = await client.allocateAddress([{ Key: EIP_VM_TAG, Value: id }]);
      try {
        await client.associateAddress(address.AllocationId ?? '', id);
      } catch (error) {
        // An address nobody uses would still be billed: give it back before reporting the failure.
        await client.releaseAddress(address.AllocationId ?? '').catch(() => undefined);
        throw error;
      }
      return address.PublicIp ?? '';
    },
    async listIps() {
      return (await (await ec2()).describeAddresses()).map(toFloatingIp);
    },

    async quota() {
      const client = await ec2();
      const [attributes, vms, addresses, groups] = await Promise.all([client.accountAttributes(), provider.listVms(), client.describeAddresses(), client.describeSecurityGroups()]);
      const limit = (name: string) => {
        const value = Number(attributes[name]?.[0]);
        return Number.isFinite(value) ? value : null;
      };
      return [
        { resource: 'instances', used: vms.filter((v) => v.state !== 'DELETED').length, limit: limit('max-instances') },
        { resource: 'elastic-ips', used: addresses.length, limit: limit('vpc-max-elastic-ips') ?? limit('max-elastic-ips') },
        { resource: 'security-groups', used: groups.length, limit: null },
        { resource: 'security-groups-per-interface', used: null, limit: limit('vpc-max-security-groups-per-interface') },
      ];
    },

    async close() {
      const pending = api;
      api = undefined;
      if (pending) (await pending.catch(() => undefined))?.close();
    },
  };

  function vmNotFound(id: string) {
    return (error: unknown): never => {
      if (isNotFound(error, 'InvalidInstanceID.NotFound', 'InvalidInstanceID.Malformed')) throw new NotFoundError(`cloud "${cloud}" (aws): no VM with id "${id}"`, { cause: error });
      throw error;
    };
  }

  async function findByToken(client: Ec2Api, spec: VmSpec): Promise<Vm | undefined> {
    const found = (await client.describeInstances({ tags: { [CM_TAGS.token]: spec.clientToken } })).map(toVm);
    return found.find((vm) => vm.state !== 'DELETED');
  }

  async function resolveImage(client: Ec2Api, image: string): Promise<string> {
    if (isAmiId(image)) {
      try {
        if ((await client.describeImages({ ids: [image] })).length > 0) return image;
      } catch (error) {
        if (!isNotFound(error, 'InvalidAMIID.NotFound', 'InvalidAMIID.Malformed', 'InvalidAMIID.Unavailable')) throw error;
      }
    }
    const images: Image[] = await provider.listImages();
    const match = images.find((i) => i.name === image || i.id === image);
    if (match) return match.id;
    throw new NotFoundError(`cloud "${cloud}" (aws): no image "${image}"${didYouMean(image, images.map((i) => i.name))}`, {
      hint: `cm image list --cloud ${cloud} (images owned by the account, plus settings.images of the cloud)`,
    });
  }

  async function checkFlavor(client: Ec2Api, flavor: string): Promise<void> {
    if (knownFlavors.has(flavor)) return;
    try {
      // One small call; the whole list (8+ pages on AWS) only when the name is wrong and close matches help.
      if ((await client.describeInstanceTypes([flavor])).length > 0) return void knownFlavors.add(flavor);
    } catch (error) {
      if (!isNotFound(error, 'InvalidInstanceType', 'InvalidParameterValue')) throw error;
    }
    const names = (await client.describeInstanceTypes()).map((t) => t.InstanceType ?? '');
    throw new NotFoundError(`cloud "${cloud}" (aws): no instance type "${flavor}"${didYouMean(flavor, names)}`, { hint: `cm flavor list --cloud ${cloud}` });
  }

  async function checkKey(client: Ec2Api, key: string): Promise<void> {
    const keys: KeyPair[] = (await client.describeKeyPairs().catch(() => [])).map(toKeyPair);
    if (!keys.some((k) => k.name === key)) throw new NotFoundError(`cloud "${cloud}" (aws): no key pair "${key}"${didYouMean(key, keys.map((k) => k.name))}`, { hint: `cm key upload ${key} --cloud ${cloud}` });
  }

  async function secgroupIdsOf(client: Ec2Api, names: string[]): Promise<string[]> {
    const groups: SecurityGroup[] = (await client.describeSecurityGroups()).map(toSecurityGroup);
    return names.map((name) => {
      const group = groups.find((g) => g.name === name || g.id === name);
      if (!group?.id) throw new NotFoundError(`cloud "${cloud}" (aws): no security group "${name}"${didYouMean(name, groups.map((g) => g.name))}`, { hint: `cm secgroup upload ${name} --cloud ${cloud}` });
      return group.id;
    });
  }

  return provider;
}
