// What a user sets to put a demo on S3 or R2, with the test S3 server standing in: the same
// variables for the Express and the Next.js app's tests (no code edit selects the storage).

/** The test S3 server's settings (vitest `inject('s3')`). */
export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** S3, as django-storages' users set it. */
export function s3Env(bucket: string, s3: S3Settings): Record<string, string> {
  return {
    USE_S3: 'true',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_STORAGE_BUCKET_NAME: bucket,
    AWS_S3_REGION_NAME: s3.region,
    AWS_S3_ENDPOINT_URL: s3.endpoint,
  };
}

/** R2 with its documented defaults (the endpoint overridden to reach the test server). */
export function r2Env(bucket: string, s3: S3Settings): Record<string, string> {
  return {
    USE_R2: 'true',
    R2_ACCOUNT_ID: '0123456789abcdef0123456789abcdef',
    R2_BUCKET_NAME: bucket,
    R2_ACCESS_KEY_ID: s3.accessKeyId,
    R2_SECRET_ACCESS_KEY: s3.secretAccessKey,
    R2_ENDPOINT_URL: s3.endpoint,
  };
}
