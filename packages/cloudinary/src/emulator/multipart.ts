import { EmulatorError } from './http-util.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  /** Present when the part is a file. */
  filename: string | undefined;
  data: Buffer;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

/** The boundary of a `multipart/form-data; boundary=...` Content-Type. */
export function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw new EmulatorError(400, 'Malformed multipart body: no boundary');
  return boundary;
}

/**
 * Splits a whole multipart/form-data body into parts. Bodies are buffered first (the server caps
 * their size), which keeps this parser small and makes truncated bodies easy to reject.
 */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new EmulatorError(400, 'Malformed multipart body: no boundary found');
  pos += delimiter.length;
  for (;;) {
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) return parts; // closing `--boundary--`
    if (!body.subarray(pos, pos + 2).equals(CRLF)) {
      throw new EmulatorError(400, 'Malformed multipart body: bad delimiter');
    }
    pos += 2;
    const headerEnd = body.indexOf(HEADER_END, pos);
    if (headerEnd < 0) throw new EmulatorError(400, 'Malformed multipart body: truncated headers');
    const headers = body.subarray(pos, headerEnd).toString('utf8');
    const contentStart = headerEnd + HEADER_END.length;
    const contentEnd = body.indexOf(next, contentStart);
    if (contentEnd < 0) throw new EmulatorError(400, 'Malformed multipart body: truncated part');
    parts.push({ ...dispositionOf(headers), data: body.subarray(contentStart, contentEnd) });
    pos = contentEnd + next.length;
  }
}

function dispositionOf(headers: string): { name: string; filename: string | undefined } {
  const line = headers.split('\r\n').find((h) => /^content-disposition:/i.test(h));
  if (!line) throw new EmulatorError(400, 'Malformed multipart body: part without a name');
  const name = /;\s*name="([^"]*)"/i.exec(line)?.[1];
  if (name === undefined)
    throw new EmulatorError(400, 'Malformed multipart body: part without a name');
  const filename = /;\s*filename="([^"]*)"/i.exec(line)?.[1];
  return { name, filename };
}
