import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type DirectUpload,
  type SignedUploadOptions,
  type SignedUrlOptions,
  StorageError,
} from '@stowage/core';
import { contentTypeFor } from '@stowage/core/driver';
import { fail, type S3Context } from './context.js';

// The presigners are loaded on first use: about 7 MiB of memory an app that never signs does not
// need to pay.
const presigner = () => import('@aws-sdk/s3-request-presigner');
const postPolicy = () => import('@aws-sdk/s3-presigned-post');

/** A presigned GetObject URL, with optional response header overrides. */
export async function presignGet(
  ctx: S3Context,
  key: string,
  options: SignedUrlOptions,
): Promise<string> {
  try {
    const command = new GetObjectCommand({
      Bucket: ctx.options.bucket,
      Key: key,
      ...(options.contentDisposition
        ? { ResponseContentDisposition: options.contentDisposition }
        : {}),
      ...(options.contentType ? { ResponseContentType: options.contentType } : {}),
    });
    const { getSignedUrl } = await presigner();
    const now = Date.now();
    const { signedAt, expires } = signingWindow(options.expiresIn, now);
    return await getSignedUrl(ctx.client, command, {
      signingDate: new Date(signedAt * 1000),
      // SigV4 allows 7 days at most.
      expiresIn: Math.min(expires - signedAt, 604_800),
    });
  } catch (error) {
    throw fail(ctx, error, 'signedUrl', key);
  }
}

/**
 * A direct upload for a browser. With a POST policy (S3, Ceph) the server enforces the content
 * type and `maxSize`. With a presigned PUT (R2's profile) the content type is a signed header, so
 * a different one is refused, but the size cannot be limited: `maxSize` is UNSUPPORTED there.
 */
export async function presignUpload(
  ctx: S3Context,
  key: string,
  options: SignedUploadOptions,
): Promise<DirectUpload> {
  const contentType = options.contentType ?? contentTypeFor(key);
  const expiresAt = new Date(Date.now() + options.expiresIn * 1000);
  const Bucket = ctx.options.bucket;
  try {
    if (ctx.options.profile.presignedPost) {
      const { createPresignedPost } = await postPolicy();
      const { url, fields } = await createPresignedPost(ctx.client, {
        Bucket,
        Key: key,
        Expires: options.expiresIn,
        Fields: { 'Content-Type': contentType },
        Conditions: [
          ['eq', '$Content-Type', contentType],
          ...(options.maxSize !== undefined
            ? [
                ['content-length-range', 0, options.maxSize] as [
                  'content-length-range',
                  number,
                  number,
                ],
              ]
            : []),
        ],
      });
      return { method: 'POST', url, fields, headers: {}, expiresAt };
    }
    if (options.maxSize !== undefined) {
      // A presigned PUT can sign an exact length but not a limit: refuse rather than ignore it.
      throw new StorageError(
        'UNSUPPORTED',
        `${ctx.options.profile.name} direct uploads are presigned PUTs, which cannot limit the size: call signedUpload() without maxSize and check the size after the upload.`,
        { key },
      );
    }
    const { getSignedUrl } = await presigner();
    const url = await getSignedUrl(
      ctx.client,
      new PutObjectCommand({ Bucket, Key: key, ContentType: contentType }),
      {
        expiresIn: options.expiresIn,
        // Signed, so an upload with another content type is refused.
        signableHeaders: new Set(['content-type']),
      },
    );
    return { method: 'PUT', url, headers: { 'content-type': contentType }, fields: {}, expiresAt };
  } catch (error) {
    throw fail(ctx, error, 'signedUpload', key);
  }
}

/**
 * Signed URLs are the same for every call within a window (a quarter of their lifetime, at most
 * 15 minutes), so browsers and CDNs cache what they point to: signed at the window's start, valid
 * until `expiresIn` seconds after its end. Unix seconds.
 */
function signingWindow(expiresIn: number, now = Date.now()): { signedAt: number; expires: number } {
  const window = Math.min(900, Math.max(1, Math.floor(expiresIn / 4)));
  const signedAt = Math.floor(now / 1000 / window) * window;
  return { signedAt, expires: signedAt + window + expiresIn };
}
