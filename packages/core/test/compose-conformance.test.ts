import { createStorage, memory, mirror, prefixed, withoutPublicUrls } from '@stowage/core';
import { runConformance } from '@stowage/core/testing';

// The wrappers are Storages like any other: the whole suite holds for them.
runConformance({
  name: 'prefixed(memory)',
  create: async () => prefixed(createStorage(memory()), 'tenants/acme'),
  maxKeyBytes: 1024 - 'tenants/acme/'.length,
  skipLarge: true,
});

runConformance({
  name: 'mirror(memory, memory)',
  create: async () => mirror(createStorage(memory()), createStorage(memory())),
  skipLarge: true,
});

runConformance({
  name: 'mirror(memory, memory, fallback)',
  create: async () =>
    mirror(createStorage(memory()), createStorage(memory()), { reads: 'fallback' }),
  skipLarge: true,
});

runConformance({
  name: 'withoutPublicUrls(memory)',
  create: async () => withoutPublicUrls(createStorage(memory())),
  skipLarge: true,
});
