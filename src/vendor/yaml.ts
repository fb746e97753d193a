/**
 * @module vendor/yaml
 * The one place that imports the `yaml` package. Callers load this module lazily (`await import()`): the
 * package is CommonJS for Node, and a static import here lets esbuild apply its interop, whereas a direct
 * dynamic `import('yaml')` inside a split bundle arrives wrapped and loses its named exports.
 */
export { isAlias, isMap, isScalar, LineCounter, parseDocument, stringify } from 'yaml';
