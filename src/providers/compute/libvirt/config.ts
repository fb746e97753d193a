/**
 * @module providers/compute/libvirt/config
 * Settings of a `libvirt` cloud. Images are the qcow2 files of one local directory (`settings.images`);
 * each VM boots from its own copy-on-write overlay of one of them, kept in `settings.disks`. Flavors are
 * cloudmesh's vCPU/memory presets (`DEFAULT_FLAVORS`), which `settings.flavors` may change or extend —
 * libvirt has no flavors of its own.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { UserError } from '../../../core/errors.ts';

export interface LibvirtFlavor {
  vcpus: number;
  ramMb: number;
}

export const DEFAULT_FLAVORS: Readonly<Record<string, LibvirtFlavor>> = {
  tiny: { vcpus: 1, ramMb: 256 },
  small: { vcpus: 1, ramMb: 1024 },
  medium: { vcpus: 2, ramMb: 4096 },
  large: { vcpus: 4, ramMb: 8192 },
};

export const DEFAULT_URI = 'qemu:///system';

export interface LibvirtConfig {
  cloud: string;
  uri: string;
  /** Directory of base images (`*.qcow2`). */
  images: string;
  /** Directory the per-VM overlays are created in. */
  disks: string;
  /** libvirt network new VMs join when the boot names none; none (no NIC) when absent. */
  network: string | undefined;
  flavors: Record<string, LibvirtFlavor>;
  /** `kvm` when /dev/kvm exists, else `qemu` (TCG); `test` for the test driver. */
  domainType: 'kvm' | 'qemu' | 'test';
  /** Seconds `stop` waits for an ACPI shutdown before it pulls the plug (a guest without an OS ignores ACPI). */
  shutdownTimeout: number;
}

/** The test driver runs no guests and keeps its state inside one connection. */
export function isTestDriver(uri: string): boolean {
  return uri.startsWith('test:');
}

function expand(path: string): string {
  return resolve(path.startsWith('~/') ? join(homedir(), path.slice(2)) : path);
}

export function resolveLibvirtConfig(cloud: string, settings: Record<string, unknown> = {}, home = join(homedir(), '.cloudmesh')): LibvirtConfig {
  const uri = typeof settings.uri === 'string' && settings.uri !== '' ? settings.uri : DEFAULT_URI;
  if (/[\s'"]/.test(uri)) throw new UserError(`cloud "${cloud}": libvirt URI '${uri}' must not contain spaces or quotes`);
  // qemu:///system runs guests as libvirt-qemu, which cannot enter a 0700 home: its default lives where libvirt keeps images.
  const defaultImages = uri.startsWith('qemu:///system') ? '/var/lib/libvirt/images' : join(home, 'images');
  const images = expand(typeof settings.images === 'string' && settings.images !== '' ? settings.images : defaultImages);
  const disks = expand(typeof settings.disks === 'string' && settings.disks !== '' ? settings.disks : join(images, 'cloudmesh-disks'));
  const flavors: Record<string, LibvirtFlavor> = { ...DEFAULT_FLAVORS };
  if (settings.flavors !== undefined) {
    if (typeof settings.flavors !== 'object' || settings.flavors === null) throw new UserError(`cloud "${cloud}": settings.flavors must be a map of name: {vcpus, ram_mb}`);
    for (const [name, value] of Object.entries(settings.flavors as Record<string, unknown>)) {
      const v = value as { vcpus?: unknown; ram_mb?: unknown } | null;
      const vcpus = Number(v?.vcpus);
      const ramMb = Number(v?.ram_mb);
      if (!Number.isInteger(vcpus) || vcpus < 1 || !Number.isInteger(ramMb) || ramMb < 16) {
        throw new UserError(`cloud "${cloud}": flavor "${name}" needs whole vcpus >= 1 and ram_mb >= 16`);
      }
      flavors[name] = { vcpus, ramMb };
    }
  }
  const shutdownTimeout = settings.shutdown_timeout === undefined ? 20 : Number(settings.shutdown_timeout);
  if (!Number.isFinite(shutdownTimeout) || shutdownTimeout < 0) throw new UserError(`cloud "${cloud}": settings.shutdown_timeout must be seconds >= 0`);
  const domainType = isTestDriver(uri) ? 'test' : existsSync('/dev/kvm') ? 'kvm' : 'qemu';
  return {
    cloud,
    uri,
    images,
    disks,
    network: typeof settings.network === 'string' && settings.network !== '' ? settings.network : undefined,
    flavors,
    domainType,
    shutdownTimeout,
  };
}
