import type { Storage } from '@stowage/core';
import { type ImageTransforms, imageTransforms, VARIANTS_PREFIX } from '@stowage/images';
import sharp from 'sharp';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jpeg, request, SECRET, storages } from './helpers.js';

const AVATAR = { width: 200, height: 200, crop: 'fill' } as const;
let photo: Buffer;

beforeAll(async () => {
  photo = await jpeg(2000, 1500);
});

describe.each(storages)('image transforms on %s', (_name, create) => {
  let storage: Storage;
  let images: ImageTransforms;

  beforeEach(async () => {
    storage = await create();
    images = imageTransforms(storage, { basePath: '/media/_img', signingSecret: SECRET });
    await storage.put('avatars/ada.jpg', photo, { contentType: 'image/jpeg' });
  });

  it('serves a 200x200 fill of a 2000x1500 JPEG, with cache headers and Vary: Accept', async () => {
    expect(images.storage.capabilities.transforms).toBe(true);
    const url = images.storage.url('avatars/ada.jpg', { transform: AVATAR });
    expect(url).toMatch(/^\/media\/_img\/c_fill,h_200,w_200\/avatars\/ada\.jpg\?s=[\w-]+$/);

    const response = await images.handler(request(url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(response.headers.get('vary')).toBe('Accept');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-length')).toBe(String(body.length));
    const meta = await sharp(body).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 200, 200]);
  });

  it('f_auto picks AVIF, then WebP, else the original format; wildcards do not count', async () => {
    const url = images.storage.url('avatars/ada.jpg', { transform: { ...AVATAR, format: 'auto' } });
    const formatFor = async (accept: string) => {
      const response = await images.handler(request(url, { accept }));
      expect(response.headers.get('vary')).toBe('Accept');
      return (await sharp(Buffer.from(await response.arrayBuffer())).metadata()).format;
    };
    expect(await formatFor('image/avif,image/webp,image/*,*/*;q=0.8')).toBe('heif');
    expect(await formatFor('image/webp,*/*')).toBe('webp');
    expect(await formatFor('image/avif;q=0,image/webp')).toBe('webp');
    expect(await formatFor('*/*')).toBe('jpeg');
    expect(await formatFor('image/*')).toBe('jpeg');
  });

  it('makes a variant once, stores it out of listings, and answers 304 to its ETag', async () => {
    const url = images.storage.url('avatars/ada.jpg', { transform: { ...AVATAR, format: 'webp' } });
    const first = await images.handler(request(url));
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]+"$/);
    const firstBody = Buffer.from(await first.arrayBuffer());
    // Answered as soon as it was made; stored in the background.
    await images.idle();

    const stored = await storage.list({ prefix: VARIANTS_PREFIX });
    expect(stored.objects).toHaveLength(1);
    expect(stored.objects[0]?.contentType).toBe('image/webp');
    expect((await storage.list()).objects.map((o) => o.key)).toEqual(['avatars/ada.jpg']);

    const second = await images.handler(request(url));
    expect(second.headers.get('etag')).toBe(etag);
    expect(Buffer.from(await second.arrayBuffer()).equals(firstBody)).toBe(true);

    const revalidated = await images.handler(request(url, { 'if-none-match': etag! }));
    expect(revalidated.status).toBe(304);
    expect(revalidated.headers.get('etag')).toBe(etag);
    expect(revalidated.headers.get('vary')).toBe('Accept');
  });

  it('a changed original gets a new variant and a new ETag', async () => {
    const url = images.storage.url('avatars/ada.jpg', { transform: { width: 100 } });
    const before = await images.handler(request(url));
    await before.arrayBuffer();
    await storage.put('avatars/ada.jpg', await jpeg(400, 400), { contentType: 'image/jpeg' });
    const after = await images.handler(request(url));
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    const meta = await sharp(Buffer.from(await after.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([100, 100]);
  });

  it('writes and deletes through images.storage remove the variants they made stale', async () => {
    const variants = async () =>
      (await storage.list({ prefix: VARIANTS_PREFIX })).objects.map((o) => o.key).sort();
    const make = async (key: string) => {
      const response = await images.handler(
        request(images.storage.url(key, { transform: { width: 100 } })),
      );
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      await images.idle();
    };
    await images.storage.put('avatars/bob.jpg', await jpeg(300, 300), {
      contentType: 'image/jpeg',
    });
    await make('avatars/ada.jpg');
    await make('avatars/bob.jpg');
    const [adaOld, bob] = await variants();
    expect(await variants()).toHaveLength(2);

    // Replaced: the old version's variant goes, the new one's is made and stays.
    await images.storage.put('avatars/ada.jpg', await jpeg(400, 400), {
      contentType: 'image/jpeg',
    });
    await make('avatars/ada.jpg');
    const afterReplace = await variants();
    expect(afterReplace).toHaveLength(2);
    expect(afterReplace).not.toContain(adaOld);
    expect(afterReplace).toContain(bob);

    // Moved away, then deleted: nothing of ada's is left; bob's variant is untouched.
    await images.storage.move('avatars/ada.jpg', 'avatars/ada-2.jpg');
    await make('avatars/ada-2.jpg');
    await images.idle();
    await images.storage.delete('avatars/ada-2.jpg');
    await images.idle();
    expect(await variants()).toEqual([bob]);
    await images.storage.deleteMany(['avatars/bob.jpg']);
    await images.idle();
    expect(await variants()).toEqual([]);
  });

  it('concurrent first requests for one variant share one resize', async () => {
    let puts = 0;
    const counting: Storage = Object.create(storage, {
      put: {
        value: (...args: Parameters<Storage['put']>) => {
          puts++;
          return storage.put(...args);
        },
      },
    });
    const shared = imageTransforms(storage, {
      basePath: '/i',
      signingSecret: SECRET,
      variants: counting,
    });
    const url = shared.storage.url('avatars/ada.jpg', { transform: AVATAR });
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => shared.handler(request(url))),
    );
    const bodies = await Promise.all(
      responses.map(async (r) => Buffer.from(await r.arrayBuffer())),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(bodies.map((b) => b.toString('base64'))).size).toBe(1);
    await shared.idle();
    expect(puts).toBe(1);
    // Once stored, it is read back, not made again.
    await (await shared.handler(request(url))).arrayBuffer();
    expect(puts).toBe(1);
  });
});
