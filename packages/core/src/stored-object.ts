import { readAll } from './body.js';
import type { DriverObject } from './driver-types.js';
import { invalid, readableInfo } from './storage-input.js';
import type { StoredObject } from './types.js';

/**
 * What get() hands the app: the driver's object with its body readable once, by whichever of
 * body(), bytes(), text() or json() is called first. `wrap` turns a read failure into the
 * facade's StorageError (driver, operation, key filled in).
 */
export function storedObject(found: DriverObject, wrap: (error: unknown) => Error): StoredObject {
  let consumed = false;
  const take = (): void => {
    if (consumed) throw wrap(invalid('the body of this object was already read; call get() again'));
    consumed = true;
  };
  const bytes = async (): Promise<Uint8Array> => {
    take();
    try {
      return await (found.bytes ? found.bytes() : readAll(found.body()));
    } catch (error) {
      throw wrap(error);
    }
  };
  const text = async (): Promise<string> => Buffer.from(await bytes()).toString('utf8');
  return {
    ...readableInfo(found.info),
    ...(found.range ? { range: found.range } : {}),
    body: () => {
      take();
      return found.body();
    },
    bytes,
    text,
    json: async <T>() => JSON.parse(await text()) as T,
  };
}
