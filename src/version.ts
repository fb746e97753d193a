/**
 * @module version
 * The package version, fixed at build time by esbuild's `define` (read from package.json in development).
 */
declare const __CM_VERSION__: string | undefined;

export const VERSION: string = typeof __CM_VERSION__ === 'string' ? __CM_VERSION__ : '0.0.0-dev';
