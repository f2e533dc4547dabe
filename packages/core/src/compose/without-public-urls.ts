import type { Driver } from '../driver-types.js';
import { createStorage, type Storage } from '../storage.js';
import { copyOptionsOf, driverObjectOf, getOptionsOf, putOptionsOf } from './storage-driver.js';

/**
 * The same Storage without public URLs: `url()` is UNSUPPORTED and `capabilities.publicUrl` (and
 * `transforms`, which come through `url()`) false; everything else, signed URLs included, is
 * `storage`'s. For files that must be reached through signed URLs only, on a storage whose public
 * URLs point at something that serves whatever it is asked (an app's media proxy in front of a
 * private bucket). It hides URLs; it does not make files private where the backend serves them
 * publicly anyway (a public bucket domain, Cloudinary's `upload` delivery type).
 */
export function withoutPublicUrls(storage: Storage): Storage {
  return createStorage(withoutPublicUrlsDriver(storage), { name: storage.name });
}

function withoutPublicUrlsDriver(inner: Storage): Driver {
  return {
    name: inner.driver,
    capabilities: { ...inner.capabilities, publicUrl: false, transforms: false },
    put: (key, body, o) => inner.put(key, body, putOptionsOf(o)),
    get: async (key, o) => driverObjectOf(await inner.get(key, getOptionsOf(o)), key),
    head: (key) => inner.head(key),
    delete: (key) => inner.delete(key),
    deleteMany: (keys) => inner.deleteMany(keys),
    deletePrefix: (prefix) => inner.deletePrefix(prefix),
    list: (o) => inner.list(o),
    copy: (from, to, o) => inner.copy(from, to, copyOptionsOf(o)),
    move: (from, to, o) => inner.move(from, to, copyOptionsOf(o)),
    // No url: the facade answers UNSUPPORTED, as for any driver without public URLs.
    signedUrl: (key, o) => inner.signedUrl(key, o),
    signedUpload: (key, o) => inner.signedUpload(key, o),
    close: () => inner.close(),
  };
}
