// The portal is served by `cm portal start` with a strict Content-Security-Policy (scripts and styles from
// its own origin only), so the build must emit no inline script or style.
import { defineConfig } from 'vite';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: { modulePreload: { polyfill: false }, assetsInlineLimit: 0, cssCodeSplit: false, target: 'es2022' },
});
