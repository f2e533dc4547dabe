import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'driver/index': 'src/driver/index.ts',
    'http/index': 'src/http/index.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Shared chunks in both formats: each entry (`.`, `/driver`, `/http`, `/testing`) imports the one copy of
  // StorageError and the rest, so `instanceof` and identity hold across entry points.
  splitting: true,
  treeshake: true,
});
