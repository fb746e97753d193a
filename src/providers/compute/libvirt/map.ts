/**
 * @module providers/compute/libvirt/map
 * Pure mapping between libvirt and cloudmesh: the domain XML a boot defines, the facts read back from
 * `dumpxml`, state words, and the domain name a cloudmesh name gets. cloudmesh's own tags (name, token,
 * group, flavor, image) live in the domain's `<metadata>` under cloudmesh's XML namespace.
 */
import { createHash } from 'node:crypto';
import { CM_TAGS, type Vm, type VmStateName } from '../../../core/compute.ts';

export const CM_XMLNS = 'https://cloudmesh.github.io/xmlns/vm/1';

/** `virsh list --state-*` groups → cloudmesh states. */
export const STATE_FILTERS = [
  ['--state-running', 'running', 'ACTIVE'],
  ['--state-paused', 'paused', 'STOPPED'],
  ['--state-shutoff', 'shut off', 'STOPPED'],
  ['--state-other', 'other', 'UNKNOWN'],
] as const satisfies readonly (readonly [string, string, VmStateName])[];

/** `virsh domstate` words → cloudmesh states. */
export function vmState(word: string): VmStateName {
  const w = word.trim();
  if (w === 'running' || w === 'idle' || w === 'blocked') return 'ACTIVE';
  if (w === 'shut off' || w === 'paused' || w === 'pmsuspended') return 'STOPPED';
  if (w === 'in shutdown') return 'STOPPED';
  if (w === 'crashed') return 'ERROR';
  return 'UNKNOWN';
}

/**
 * The domain name for a cloudmesh name. libvirt's QEMU driver refuses `/` and every driver refuses line
 * breaks; such names are mapped (with a hash, so two names never share a domain name) and the original
 * travels in the metadata.
 */
export function domainNameFor(name: string): string {
  if (!/[\/\0-\x1f\x7f]/.test(name) && name.length > 0 && name.length <= 200) return name;
  const plain = name.replace(/[\/\0-\x1f\x7f]+/g, '_').slice(0, 60);
  return `${plain}-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function xmlUnescape(text: string): string {
  return text
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

export interface DomainPlan {
  name: string;
  uuid: string;
  type: 'kvm' | 'qemu' | 'test';
  vcpus: number;
  ramMb: number;
  disk: string;
  network?: string;
  /** File the serial console is logged to (qemu only). */
  consoleLog?: string;
  tags: Record<string, string>;
}

/** The XML `virsh define` gets. Every user-supplied value is escaped. */
export function domainXml(plan: DomainPlan): string {
  const tags = Object.entries(plan.tags).map(([k, v]) => `      <cm:tag name="${xmlEscape(k)}">${xmlEscape(v)}</cm:tag>`).join('\n');
  const qemu = plan.type !== 'test';
  return [
    `<domain type='${plan.type}'>`,
    `  <name>${xmlEscape(plan.name)}</name>`,
    `  <uuid>${plan.uuid}</uuid>`,
    '  <metadata>',
    `    <cm:vm xmlns:cm="${CM_XMLNS}">`,
    tags,
    '    </cm:vm>',
    '  </metadata>',
    `  <memory unit='MiB'>${plan.ramMb}</memory>`,
    `  <vcpu>${plan.vcpus}</vcpu>`,
    // useserial: the firmware writes to the serial port too, so even a guest without an OS has a console log.
    `  <os><type arch='x86_64'${qemu ? " machine='pc'" : ''}>hvm</type><boot dev='hd'/>${qemu ? "<bios useserial='yes'/>" : ''}</os>`,
    qemu ? '  <features><acpi/><apic/></features>' : '',
    '  <devices>',
    `    <disk type='file' device='disk'>${qemu ? "<driver name='qemu' type='qcow2'/>" : ''}<source file='${xmlEscape(plan.disk)}'/><target dev='vda' bus='virtio'/></disk>`,
    plan.network ? `    <interface type='network'><source network='${xmlEscape(plan.network)}'/>${qemu ? "<model type='virtio'/>" : ''}</interface>` : '',
    qemu && plan.consoleLog ? `    <serial type='pty'><log file='${xmlEscape(plan.consoleLog)}' append='on'/></serial><console type='pty'/>` : '',
    '  </devices>',
    '</domain>',
    '',
  ].filter((line) => line !== '').join('\n');
}

/** What `dumpxml` tells about a domain. */
export interface DomainFacts {
  name: string;
  uuid: string;
  tags: Record<string, string>;
  vcpus: number | null;
  ramMb: number | null;
  disk: string | null;
  networks: string[];
  consoleLog: string | null;
}

export function parseDomainXml(xml: string): DomainFacts {
  const text = (re: RegExp) => {
    const m = re.exec(xml);
    return m ? xmlUnescape(m[1]!) : null;
  };
  const tags: Record<string, string> = {};
  // The namespace prefix is whatever libvirt chose when it stored the metadata; match any prefix.
  const block = /<(\w+):vm xmlns:\1=["']([^"']+)["']>([\s\S]*?)<\/\1:vm>/.exec(xml);
  if (block && block[2] === CM_XMLNS) {
    for (const m of block[3]!.matchAll(/<\w+:tag name=(["'])(.*?)\1>([\s\S]*?)<\/\w+:tag>/g)) tags[xmlUnescape(m[2]!)] = xmlUnescape(m[3]!);
  }
  const memory = /<memory unit=["'](\w+)["']>(\d+)<\/memory>/.exec(xml);
  const scale: Record<string, number> = { KiB: 1 / 1024, MiB: 1, GiB: 1024, b: 1 / 1024 / 1024, bytes: 1 / 1024 / 1024 };
  return {
    name: text(/<name>([^<]*)<\/name>/) ?? '',
    uuid: text(/<uuid>([^<]*)<\/uuid>/) ?? '',
    tags,
    vcpus: Number(text(/<vcpu[^>]*>(\d+)<\/vcpu>/)) || null,
    ramMb: memory ? Math.round(Number(memory[2]) * (scale[memory[1]!] ?? 1 / 1024)) : null,
    disk: text(/<disk [^>]*device=["']disk["'][\s\S]*?<source file=["']([^"']*)["']/),
    networks: [...xml.matchAll(/<interface type=["']network["'][\s\S]*?<source network=["']([^"']*)["']/g)].map((m) => xmlUnescape(m[1]!)),
    consoleLog: text(/<serial [\s\S]*?<log file=["']([^"']*)["']/),
  };
}

/** The name cloudmesh shows: the metadata name while the domain still has the name made from it. */
export function displayName(facts: Pick<DomainFacts, 'name' | 'tags'>): string {
  const tagged = facts.tags[CM_TAGS.name];
  return tagged !== undefined && domainNameFor(tagged) === facts.name ? tagged : facts.name;
}

/** First IPv4 address of `virsh domifaddr` output, if any. */
export function firstAddress(domifaddr: string): string | null {
  const m = /\bipv4\s+([0-9.]+)\//.exec(domifaddr);
  return m ? m[1]! : null;
}

export function toVm(facts: DomainFacts, providerState: string, ip: string | null): Vm {
  return {
    id: facts.uuid,
    name: displayName(facts),
    state: vmState(providerState),
    providerState,
    image: facts.tags['cm.image'] ?? null,
    flavor: facts.tags['cm.flavor'] ?? null,
    key: null,
    group: facts.tags[CM_TAGS.group] ?? null,
    publicIp: null,
    privateIp: ip,
    createdAt: facts.tags['cm.created'] ?? null,
    metadata: facts.tags,
    data: { domain: facts.name, vcpus: facts.vcpus, ramMb: facts.ramMb, disk: facts.disk, networks: facts.networks },
  };
}
