import busboy from 'busboy';
import { EmulatorError } from './http-util.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  /** Present when the part is a file. */
  filename: string | undefined;
  data: Buffer;
}

/**
 * Splits a whole multipart/form-data body into parts with busboy (the parser core's upload
 * receiver uses too), so quoting, header folding and odd boundaries are read as browsers and the
 * SDK write them. Bodies are buffered first: the server caps their size.
 */
export function parseMultipart(body: Buffer, contentType: string): Promise<FormPart[]> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        defParamCharset: 'utf8',
        limits: { fieldSize: body.length + 1 },
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      reject(new EmulatorError(400, `Malformed multipart body: ${reason}`));
      return;
    }
    const parts: FormPart[] = [];
    const pending: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      parts.push({ name, filename: undefined, data: Buffer.from(value, 'utf8') });
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      const part: FormPart = { name, filename: info.filename ?? '', data: Buffer.alloc(0) };
      parts.push(part);
      pending.push(
        new Promise((done, fail) => {
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            part.data = Buffer.concat(chunks);
            done();
          });
          stream.on('error', fail);
        }),
      );
    });
    parser.on('error', (error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      reject(new EmulatorError(400, `Malformed multipart body: ${reason}`));
    });
    parser.on('close', () => {
      Promise.all(pending).then(() => resolve(parts), reject);
    });
    parser.end(body);
  });
}
