import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // The bin entry below is built at the same time into the same folder: keep it.
    clean: ['!bin.js', '!bin.js.map', '!run.js', '!run.js.map'],
    sourcemap: true,
    target: 'node20',
    splitting: false,
  },
  {
    // The `stowage` binary: ESM only, with its shebang (tsup makes it executable). bin.js loads
    // run.js (the commands) only after its own start-up check, so it is a file of its own.
    entry: { bin: 'src/bin.ts', run: 'src/run.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    target: 'node20',
    splitting: false,
    banner: { js: '#!/usr/bin/env node' },
  },
]);
