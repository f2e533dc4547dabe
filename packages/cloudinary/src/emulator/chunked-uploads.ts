import { EmulatorError } from './http-util.js';

/** Largest file a chunked upload may assemble. */
export const MAX_CHUNKED_BYTES = 1024 * 1024 * 1024;

/** Unfinished uploads are forgotten after this long. */
const SESSION_TTL_MS = 60 * 60 * 1000;

/** A parsed `Content-Range: bytes a-b/total` (`total` -1, i.e. undefined, until the last chunk). */
export interface ChunkRange {
  start: number;
  end: number;
  total: number | undefined;
}

/** Parses the SDK's `Content-Range` header of a chunk. An empty file is `bytes 0--1/0`. */
export function parseContentRange(header: string): ChunkRange {
  const match = /^bytes (\d+)-(-1|\d+)\/(-1|\d+)$/.exec(header.trim());
  if (!match) throw new EmulatorError(400, `Invalid Content-Range header: ${header}`);
  const start = Number(match[1]);
  const end = Number(match[2]);
  const total = match[3] === '-1' ? undefined : Number(match[3]);
  if (end < start - 1 || (total !== undefined && end >= total)) {
    throw new EmulatorError(400, `Invalid Content-Range header: ${header}`);
  }
  return { start, end, total };
}

interface Session {
  parts: Map<number, Buffer>;
  total: number | undefined;
  size: number;
  touchedAt: number;
}

/**
 * Collects the chunks of uploads identified by `X-Unique-Upload-Id`, in any order, and hands back
 * the whole file once every byte up to the announced total has arrived.
 */
export class ChunkAssembler {
  private readonly sessions = new Map<string, Session>();

  /** Stores a chunk; returns the assembled file when this chunk completes it. */
  add(uploadId: string, range: ChunkRange, data: Buffer): Buffer | undefined {
    if (data.length !== range.end - range.start + 1) {
      throw new EmulatorError(
        400,
        `Content-Range bytes ${range.start}-${range.end} does not match the ${data.length} bytes sent`,
      );
    }
    this.forgetStale();
    let session = this.sessions.get(uploadId);
    if (!session) {
      session = { parts: new Map(), total: undefined, size: 0, touchedAt: Date.now() };
      this.sessions.set(uploadId, session);
    }
    session.touchedAt = Date.now();
    session.size += data.length - (session.parts.get(range.start)?.length ?? 0);
    if (session.size > MAX_CHUNKED_BYTES) {
      this.sessions.delete(uploadId);
      throw new EmulatorError(400, `File size too large. Maximum is ${MAX_CHUNKED_BYTES}.`);
    }
    session.parts.set(range.start, data);
    if (range.total !== undefined) session.total = range.total;
    const file = assemble(session);
    if (file) this.sessions.delete(uploadId);
    return file;
  }

  /** Bytes received so far for an upload. */
  received(uploadId: string): number {
    return this.sessions.get(uploadId)?.size ?? 0;
  }

  clear(): void {
    this.sessions.clear();
  }

  private forgetStale(): void {
    const cutoff = Date.now() - SESSION_TTL_MS;
    for (const [id, session] of this.sessions) {
      if (session.touchedAt < cutoff) this.sessions.delete(id);
    }
  }
}

function assemble(session: Session): Buffer | undefined {
  if (session.total === undefined) return undefined;
  const starts = [...session.parts.keys()].sort((a, b) => a - b);
  const ordered: Buffer[] = [];
  let cursor = 0;
  for (const start of starts) {
    const part = session.parts.get(start);
    if (!part || start !== cursor) return undefined;
    ordered.push(part);
    cursor += part.length;
  }
  return cursor === session.total ? Buffer.concat(ordered, cursor) : undefined;
}
