// 16 concurrent first requests in a fresh process, on the built packages. Prints { ms, maxRssMiB }.
//   ours: imageTransforms(disk).handler, 16 different originals (each a first request);
//   raw:  a bare sharp pipeline on the same 16 files, all at once.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createStorage, disk } from '../../packages/core/dist/index.js';
import { imageTransforms } from '../../packages/images/dist/index.js';

const sharp = createRequire(new URL('../../packages/images/package.json', import.meta.url))(
  'sharp',
);
const [kind, root, count] = process.argv.slice(2);
const keys = Array.from({ length: Number(count) }, (_, i) => `photos/${i}.jpg`);
const start = performance.now();
if (kind === 'ours') {
  const storage = createStorage(disk({ root }));
  const images = imageTransforms(storage, {
    basePath: '/img',
    signingSecret: 'bench-images-secret-0123456789',
  });
  const transform = { width: 200, height: 200, crop: 'fill', format: 'webp' };
  await Promise.all(
    keys.map(async (key) => {
      const url = `http://bench.test${images.storage.url(key, { transform })}`;
      const response = await images.handler(new Request(url));
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      await response.arrayBuffer();
    }),
  );
} else {
  await Promise.all(
    keys.map(async (key) => {
      const input = await readFile(join(root, key));
      await sharp(input).resize(200, 200, { fit: 'cover' }).webp().toBuffer();
    }),
  );
}
const ms = performance.now() - start;
console.log(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
