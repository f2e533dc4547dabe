/**
 * The AWS SDK as the raw baseline sees it. It is a dependency of packages/s3 only, so it is loaded
 * from there (the repository root has no node_modules/@aws-sdk).
 */
import { createRequire } from 'node:module';

type ClientS3 = typeof import('../../packages/s3/node_modules/@aws-sdk/client-s3');
type LibStorage = typeof import('../../packages/s3/node_modules/@aws-sdk/lib-storage');

const load = createRequire(new URL('../../packages/s3/package.json', import.meta.url));
export const sdk = load('@aws-sdk/client-s3') as ClientS3;
export const libStorage = load('@aws-sdk/lib-storage') as LibStorage;
