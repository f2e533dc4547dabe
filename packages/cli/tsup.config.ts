import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // The bin entry below is built at the same time into the same folder: keep it.
    clean: ['!bin.js', '!bin.js.map'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
  },
  {
    // The `stowage` binary: ESM only, with its shebang (tsup makes it executable).
    entry: { bin: 'src/bin.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
