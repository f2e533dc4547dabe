import type { Readable } from 'node:stream';
import { Readable as NodeReadable, pipeline } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { isStorageError, StorageError } from '../errors.js';
import { essence, parseSingleMediaType } from '../media-type.js';
import type { Storage } from '../storage.js';
import type { ObjectInfo, PutOptions } from '../types.js';
import { type ByteCount, limitBytes, tooLarge } from './byte-limit.js';
import { isAccepted, SNIFF_BYTES, sniffType } from './sniff.js';

/** What is known of an uploaded file before it is stored. */
export interface UploadedFile {
  /** The name the client gave (without any path); may be empty. Never trust it for the type. */
  filename: string;
  /** The type read from the content, `application/octet-stream` when not recognised. */
  mimeType: string;
  /** The extension matching the content (`png`), `''` when not recognised. */
  extension: string;
  /** The type the client declared for the part. Informational only. */
  declaredType: string;
}

export interface ReceiveUploadOptions {
  /** The form field holding the file (default `file`). Other file fields are discarded. */
  field?: string;
  /** Largest file accepted, in bytes; a larger one is TOO_LARGE and nothing is stored. */
  maxSize: number;
  /** Types accepted, by content: `image/*`, `image/png`, `.pdf`. Default: any. */
  accept?: readonly string[];
  /**
   * The key to store under, or a function of the file (and of the form fields sent before it).
   * Build it from `extension`, not from `filename`, so `a.png` holding HTML cannot become `.png`.
   */
  key: string | ((file: UploadedFile, fields: Readonly<Record<string, string>>) => string);
  /** Passed to `storage.put`; `contentType` defaults to the sniffed type. */
  putOptions?: PutOptions;
  /** Bounds on the rest of the form. */
  limits?: { fields?: number; fieldSize?: number; parts?: number };
}

/** A stored upload. */
export interface ReceivedUpload {
  object: ObjectInfo;
  /** The form's other fields (the last value of a repeated name). */
  fields: Record<string, string>;
  /** The name the client gave the file. */
  filename: string;
}

const DEFAULT_LIMITS = { fields: 100, fieldSize: 64 * 1024, parts: 200 };
/** Room for the parts' own headers and boundaries in a form's byte limit. */
const FORM_OVERHEAD = 1024 * 1024;

/**
 * Streams a `multipart/form-data` upload into a storage. The file's type is read from its first
 * bytes (`file-type`), not from its name or declared type, and checked against `accept`; its
 * size is counted while streaming. When the promise rejects, nothing is stored.
 *
 * Throws StorageError INVALID_INPUT (not multipart, no file, refused type, form too big) or
 * TOO_LARGE; answer with `errorResponse(e)`.
 *
 * @example
 * ```ts
 * const { object } = await receiveUpload(request, storage, {
 *   maxSize: 5 * 1024 * 1024,
 *   accept: ['image/*'],
 *   key: (file) => `avatars/${crypto.randomUUID()}.${file.extension}`,
 * });
 * ```
 */
export async function receiveUpload(
  request: Request,
  storage: Storage,
  options: ReceiveUploadOptions,
): Promise<ReceivedUpload> {
  const field = options.field ?? 'file';
  if (!Number.isSafeInteger(options.maxSize) || options.maxSize < 0) {
    throw invalid('maxSize must be a whole number of bytes');
  }
  const contentType = request.headers.get('content-type');
  const form = contentType === null ? undefined : parseSingleMediaType(contentType);
  if (
    contentType === null ||
    form === undefined ||
    essence(form) !== 'multipart/form-data' ||
    request.body === null
  ) {
    throw invalid('expected a multipart/form-data request');
  }
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: { 'content-type': contentType },
      defParamCharset: 'utf8', // browsers send UTF-8 file names
      limits: { ...limits, fieldNameSize: 200, fileSize: options.maxSize + 1 },
    });
  } catch {
    throw invalid('malformed multipart/form-data header');
  }
  const source = NodeReadable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>);
  // The whole body: the file, the fields at their limits, and room for the parts' headers. Parts
  // that are skipped (a file in another field) are read too, so they count; past this, stop.
  const formLimit = options.maxSize + limits.fieldSize * limits.fields + FORM_OVERHEAD;

  return new Promise<ReceivedUpload>((resolve, reject) => {
    const fields: Record<string, string> = {};
    let upload: Promise<{ object: ObjectInfo; filename: string }> | undefined;
    let settled = false;
    // Set when the form itself broke (cut short, malformed): whatever put() then fails with, the
    // client sent a bad request. Which of the parser's and put()'s failures is seen first
    // depends on the Node version.
    let formBroken = false;
    const unreadable = () => invalid('the form could not be read (malformed or interrupted)');

    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      // Stops reading the request; a file still streaming into put() errors, aborting the put.
      source.destroy();
      parser.destroy();
      void (async () => {
        // Nothing may remain stored once the caller is told the upload failed.
        const stored = await upload?.catch(() => undefined);
        if (stored) await storage.delete(stored.object.key).catch(() => {});
        reject(error);
      })();
    };

    let received = 0;
    source.on('data', (chunk: Uint8Array) => {
      received += chunk.byteLength;
      if (received > formLimit) fail(tooLarge('form', formLimit));
    });

    parser.on('file', (name, stream, info) => {
      if (name !== field || upload !== undefined || settled) {
        // Skipped: drained, and its error when the form is cut short (stopped here) ignored.
        stream.on('error', () => {});
        stream.resume();
        return;
      }
      stream.once('error', () => {
        formBroken = true;
      });
      const filename = info.filename ?? '';
      // The fields sent before the file, as they are now: later ones may arrive while it streams.
      const before = { ...fields };
      upload = storeFile(
        storage,
        stream,
        options,
        { filename, declaredType: info.mimeType },
        before,
      ).then((object) => ({ object, filename }));
      // The file's own verdict (too large, a refused type: operation 'upload') stands; any other
      // failure of a form that broke is the form's fault.
      upload.catch((error) => {
        const ours = isStorageError(error) && error.operation === 'upload';
        fail(formBroken && !ours ? unreadable() : error);
      });
    });
    parser.on('field', (name, value, info) => {
      if (info.nameTruncated) return fail(invalid('a form field name is too long'));
      if (info.valueTruncated) {
        return fail(
          invalid(`form field ${JSON.stringify(name)} is longer than ${limits.fieldSize} bytes`),
        );
      }
      // defineProperty: a field named "__proto__" is a field, not a prototype.
      Object.defineProperty(fields, name, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    });
    const tooMany = () => fail(invalid('the form has too many fields'));
    parser.on('fieldsLimit', tooMany);
    parser.on('partsLimit', tooMany);
    parser.on('filesLimit', tooMany);
    parser.on('close', () => {
      if (settled) return;
      if (upload === undefined)
        return fail(invalid(`the form has no file in field ${JSON.stringify(field)}`));
      upload.then((result) => {
        if (settled) return;
        settled = true;
        resolve({ object: result.object, fields, filename: result.filename });
      }, fail);
    });
    pipeline(source, parser, (error) => {
      if (!error) return;
      formBroken = true;
      // While a file is being stored, its outcome decides what the client is told (the order of
      // the two failures differs between Node versions); a form that broke after it was stored
      // still fails, and the stored file is removed.
      if (upload)
        upload.then(
          () => fail(unreadable()),
          () => {},
        );
      else fail(unreadable());
    });
  });
}

/** Sniffs, checks and stores the file part; rejects without leaving an object behind. */
async function storeFile(
  storage: Storage,
  stream: Readable & { truncated?: boolean },
  options: ReceiveUploadOptions,
  part: { filename: string; declaredType: string },
  fields: Readonly<Record<string, string>>,
): Promise<ObjectInfo> {
  const { maxSize } = options;
  const chunks: AsyncIterator<Uint8Array> = stream[Symbol.asyncIterator]();
  const head = await readHead(chunks, SNIFF_BYTES);
  if (head.byteLength > maxSize) throw tooLarge('file', maxSize);

  const detected = await sniffType(head);
  const file: UploadedFile = {
    filename: part.filename,
    mimeType: detected?.mime ?? 'application/octet-stream',
    extension: detected?.ext ?? '',
    declaredType: part.declaredType,
  };
  if (options.accept !== undefined && !isAccepted(options.accept, file.mimeType, file.extension)) {
    const found = detected
      ? `The file's content is ${detected.mime} (.${detected.ext})`
      : `The file's type could not be recognised from its content`;
    throw new StorageError('INVALID_INPUT', `${found}; accepted: ${options.accept.join(', ')}.`, {
      operation: 'upload',
    });
  }
  const key = typeof options.key === 'function' ? options.key(file, fields) : options.key;

  const count: ByteCount = { bytes: 0, exceeded: false };
  let object: ObjectInfo;
  try {
    object = await storage.put(
      key,
      limitBytes(prepend(head, chunks), maxSize, count, () => tooLarge('file', maxSize)),
      { contentType: file.mimeType, ...options.putOptions },
    );
  } catch (error) {
    // The put may have wrapped our TOO_LARGE: the count is the truth.
    throw count.exceeded ? tooLarge('file', maxSize) : error;
  }
  if (count.exceeded || stream.truncated) {
    // A driver that swallowed the stream's error must not leave the oversized file behind.
    await storage.delete(object.key).catch(() => {});
    throw tooLarge('file', maxSize);
  }
  return object;
}

/** Reads at least `size` bytes (or all there is) from the start of a file. */
async function readHead(chunks: AsyncIterator<Uint8Array>, size: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < size) {
    const next = await chunks.next();
    if (next.done) break;
    parts.push(next.value);
    total += next.value.byteLength;
  }
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
}

/** The head already read, then the rest of the file. */
async function* prepend(
  head: Uint8Array,
  rest: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  try {
    if (head.byteLength > 0) yield head;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await rest.return?.();
  }
}

function invalid(message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid upload: ${message}.`, { operation: 'upload' });
}
