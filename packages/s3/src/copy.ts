import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { ObjectInfo } from '@stowage/core';
import type { DriverCopyOptions } from '@stowage/core/driver';
import { fail, infoFromHeaders, quoteEtag, type S3Context } from './context.js';
import { encodeKeyPath } from './key-map.js';
import { assertAbsent } from './multipart.js';
import { MIN_PART_SIZE } from './options.js';

/** Attempts when the source changes between our HeadObject and the copy. */
const COPY_ATTEMPTS = 3;
const COPY_PART_SIZE = 512 * 1024 * 1024;
const MAX_PARTS = 10_000;

type Acl = 'public-read' | 'private' | undefined;

/**
 * Server-side copy. The source is read first (HeadObject): for NOT_FOUND, for the ObjectInfo to
 * return, and for its visibility, since S3 never copies ACLs. `CopySourceIfMatch` pins the copy to
 * that version. With `ifNoneMatch`, the target is checked first and `If-None-Match: *` is sent
 * too: AWS honours it atomically, Ceph 16 ignores it on CopyObject (a short race remains there).
 * Objects over `multipartCopyThreshold` (5 GiB, the CopyObject limit) are copied part by part.
 */
export async function copyObject(
  ctx: S3Context,
  from: string,
  to: string,
  options: DriverCopyOptions,
): Promise<ObjectInfo> {
  const { client } = ctx;
  const { bucket, profile } = ctx.options;
  const signalOption = options.signal ? { abortSignal: options.signal } : {};
  for (let attempt = 1; ; attempt++) {
    let head: HeadObjectCommandOutput;
    try {
      head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: from }), signalOption);
    } catch (error) {
      throw fail(ctx, error, 'copy', from);
    }
    if (options.ifNoneMatch) await assertAbsent(ctx, 'copy', to, to);
    const size = head.ContentLength ?? 0;
    const info = infoFromHeaders(to, size, head);
    const acl: Acl =
      profile.supportsAcl && info.visibility
        ? info.visibility === 'public'
          ? 'public-read'
          : 'private'
        : undefined;
    const conditional = options.ifNoneMatch && profile.conditionalCopyAndMultipart;
    try {
      if (size > ctx.options.multipartCopyThreshold) {
        const etag = await copyInParts(ctx, from, to, head, acl, options);
        return { ...info, ...(etag ? { etag } : {}) };
      }
      const out = await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: to,
          CopySource: `${bucket}/${encodeKeyPath(from)}`,
          ...(head.ETag ? { CopySourceIfMatch: head.ETag } : {}),
          MetadataDirective: 'COPY',
          ...(acl ? { ACL: acl } : {}),
          ...(conditional ? { IfNoneMatch: '*' } : {}),
        }),
        signalOption,
      );
      const etag = quoteEtag(out.CopyObjectResult?.ETag) ?? info.etag;
      const lastModified = out.CopyObjectResult?.LastModified;
      return {
        ...info,
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
      };
    } catch (error) {
      const mapped = fail(ctx, error, 'copy', from, options.ifNoneMatch);
      // 412: the source changed since our HeadObject (or, with ifNoneMatch, the target appeared:
      // the next round's check reports that).
      if (mapped.status === 412 && attempt < COPY_ATTEMPTS) continue;
      throw mapped;
    }
  }
}

/** Multipart copy (UploadPartCopy), for objects CopyObject cannot take. Returns the ETag. */
async function copyInParts(
  ctx: S3Context,
  source: string,
  to: string,
  head: HeadObjectCommandOutput,
  acl: Acl,
  options: DriverCopyOptions,
): Promise<string | undefined> {
  const { client } = ctx;
  const { bucket, profile, queueSize, multipartCopyThreshold } = ctx.options;
  const size = head.ContentLength ?? 0;
  const signalOption = options.signal ? { abortSignal: options.signal } : {};
  const partSize = Math.max(
    MIN_PART_SIZE,
    Math.min(COPY_PART_SIZE, multipartCopyThreshold),
    Math.ceil(size / MAX_PARTS),
  );
  const created = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: to,
      ContentType: head.ContentType,
      ...(head.CacheControl ? { CacheControl: head.CacheControl } : {}),
      ...(head.ContentDisposition ? { ContentDisposition: head.ContentDisposition } : {}),
      // The source's stored (already encoded) metadata, as it is.
      Metadata: head.Metadata ?? {},
      ...(acl ? { ACL: acl } : {}),
    }),
    signalOption,
  );
  const uploadId = created.UploadId!;
  try {
    const count = Math.ceil(size / partSize);
    const etags: string[] = new Array(count);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < count) {
        const index = next++;
        const start = index * partSize;
        const end = Math.min(size, start + partSize) - 1;
        const out = await client.send(
          new UploadPartCopyCommand({
            Bucket: bucket,
            Key: to,
            UploadId: uploadId,
            PartNumber: index + 1,
            CopySource: `${bucket}/${encodeKeyPath(source)}`,
            CopySourceRange: `bytes=${start}-${end}`,
            ...(head.ETag ? { CopySourceIfMatch: head.ETag } : {}),
          }),
          signalOption,
        );
        etags[index] = out.CopyPartResult?.ETag ?? '';
      }
    };
    await Promise.all(Array.from({ length: Math.min(queueSize, count) }, worker));
    // Ceph ignores If-None-Match on completion: check the target once more, as late as possible.
    if (options.ifNoneMatch) await assertAbsent(ctx, 'copy', to, to);
    const done = await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: to,
        UploadId: uploadId,
        MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
        ...(options.ifNoneMatch && profile.conditionalCopyAndMultipart ? { IfNoneMatch: '*' } : {}),
      }),
      signalOption,
    );
    if (done.ETag) return quoteEtag(done.ETag);
    // Ceph answers CompleteMultipartUpload with an empty ETag.
    const after = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: to }));
    return quoteEtag(after.ETag);
  } catch (error) {
    await client
      .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: to, UploadId: uploadId }))
      .catch(() => undefined);
    throw error;
  }
}
