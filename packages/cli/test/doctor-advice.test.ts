import { StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { adviceFor, publicUrlAdvice } from '../src/doctor-advice.js';

const error = (code: StorageError['code'], message: string, cause?: unknown) =>
  new StorageError(code, message, cause === undefined ? {} : { cause });

describe('doctor advice', () => {
  it('names the credential variables of each driver', () => {
    const refused = error('UNAUTHENTICATED', 'The credentials were refused (HTTP 401).');
    expect(adviceFor(refused, 'list', 's3', {})).toMatch(
      /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
    expect(adviceFor(refused, 'list', 'r2', {})).toMatch(
      /R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY/,
    );
    expect(adviceFor(refused, 'list', 'cloudinary', {})).toMatch(
      /CLOUDINARY_API_KEY and CLOUDINARY_API_SECRET/,
    );
    expect(
      adviceFor(refused, 'list', 'cloudinary', { CLOUDINARY_URL: 'cloudinary://k:s@c' }),
    ).toMatch(/api_key in CLOUDINARY_URL and the api_secret in CLOUDINARY_URL/);
  });

  it('tells a wrong secret from an unknown key, also from a sanitized cause', () => {
    const cause = Object.assign(new Error('SignatureDoesNotMatch, HTTP 403'), {
      code: 'SignatureDoesNotMatch',
    });
    expect(adviceFor(error('UNAUTHENTICATED', 'refused', cause), 'write', 'r2', {})).toMatch(
      /check R2_SECRET_ACCESS_KEY; it must belong to R2_ACCESS_KEY_ID/,
    );
    expect(
      adviceFor(error('UNAUTHENTICATED', 'refused (InvalidAccessKeyId)'), 'list', 's3', {}),
    ).toMatch(/does not know the access key: check AWS_ACCESS_KEY_ID/);
    expect(
      adviceFor(error('UNAUTHENTICATED', 'refused (CredentialsProviderError)'), 'list', 's3', {}),
    ).toMatch(/No credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('names the permission the key lacks for the failed step', () => {
    const denied = error('PERMISSION_DENIED', 'Access denied.');
    expect(adviceFor(denied, 'write', 's3', {})).toMatch(
      /lacks s3:PutObject permission on the bucket in AWS_STORAGE_BUCKET_NAME/,
    );
    expect(adviceFor(denied, 'list', 's3', {})).toMatch(/s3:ListBucket/);
    expect(adviceFor(denied, 'delete', 's3', {})).toMatch(/s3:DeleteObject/);
    expect(adviceFor(denied, 'write', 'r2', {})).toMatch(
      /R2_ACCESS_KEY_ID lacks write access .*R2_BUCKET_NAME.*Object Read & Write/,
    );
    expect(adviceFor(denied, 'write', 'disk', {})).toMatch(/STORAGE_DISK_ROOT/);
  });

  it('names the bucket, the endpoint and the cloud name', () => {
    const noBucket = error('NOT_FOUND', 'No such bucket.');
    expect(adviceFor(noBucket, 'list', 'r2', {})).toMatch(
      /check R2_BUCKET_NAME \(and R2_ACCOUNT_ID\)/,
    );
    expect(adviceFor(noBucket, 'list', 'r2', { R2_ENDPOINT_URL: 'https://x' })).toMatch(
      /R2_ENDPOINT_URL/,
    );
    const network = error('NETWORK', 'Could not reach the service (ENOTFOUND).');
    expect(adviceFor(network, 'list', 's3', { AWS_S3_ENDPOINT_URL: 'http://x' })).toMatch(
      /check AWS_S3_ENDPOINT_URL/,
    );
    expect(adviceFor(network, 'list', 's3', {})).toMatch(/check AWS_S3_REGION_NAME/);
    const cloud = error(
      'UNAUTHENTICATED',
      'Cloudinary refused the request (HTTP 401): Invalid cloud_name x',
    );
    expect(adviceFor(cloud, 'list', 'cloudinary', {})).toBe(
      'Cloudinary does not know this cloud name: check CLOUDINARY_CLOUD_NAME.',
    );
    const config = error('CONFIG', 'R2_ACCOUNT_ID is not set: it must hold your account id.');
    expect(adviceFor(config, 'list', 'r2', {})).toBe(config.message);
  });

  it('says which variable makes public URLs work', () => {
    expect(publicUrlAdvice('r2', {}, 404)).toMatch(
      /R2_PUBLIC_DOMAIN.*R2_PUBLIC_URL.*USE_R2_MEDIA_PROXY/s,
    );
    expect(publicUrlAdvice('s3', { AWS_S3_CUSTOM_DOMAIN: 'cdn.example.com' }, 403)).toMatch(
      /^AWS_S3_CUSTOM_DOMAIN does not serve this bucket's objects \(HTTP 403\)/,
    );
    expect(publicUrlAdvice('s3', { AWS_QUERYSTRING_AUTH: 'false' }, 403)).toMatch(
      /AWS_QUERYSTRING_AUTH=false says the bucket is public.*set AWS_S3_CUSTOM_DOMAIN/,
    );
    expect(publicUrlAdvice('disk', {}, 404)).toMatch(/STORAGE_PUBLIC_BASE_URL/);
  });
});
