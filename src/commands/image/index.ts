/**
 * @module commands/image
 * `image list [--cloud] [--refresh]`, `image refresh [--cloud|--all]`: a cloud's images, cached.
 */
import { catalogCommands } from './catalog.ts';

export const commands = catalogCommands('images');
