/**
 * @module commands/flavor
 * `flavor list [--cloud] [--refresh]`, `flavor refresh [--cloud|--all]`: a cloud's flavors (instance types), cached.
 */
import { catalogCommands } from '../image/catalog.ts';

export const commands = catalogCommands('flavors');
