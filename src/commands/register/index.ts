/**
 * @module commands/register
 * `register …`: add clouds and clusters to cloudmesh.yaml from where their settings already are. Each kind of
 * registration lives in its own file; this list is the group's one index.
 */
import type { CommandSpec } from '../../core/command.ts';
import { registerAws } from './aws.ts';
import { registerAzure } from './azure.ts';
import { registerDocker } from './docker.ts';
import { registerCloudsYaml, registerOpenrc } from './openstack.ts';
import { commonCommands } from './common.ts';
import { registerHpc } from './hpc.ts';
import { registerLibvirt } from './libvirt.ts';
import { registerSshConfig } from './ssh-config.ts';

export const commands: CommandSpec[] = [registerAws, registerAzure, registerDocker, registerLibvirt, registerCloudsYaml, registerOpenrc, registerHpc, registerSshConfig, ...commonCommands];
