import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  /** Keys in a DeleteObjects body (POST ?delete). */
  deleteKeys?: number;
}

/**
 * An HTTP forwarder in front of the S3 server that records every request the SDK sends: the raw
 * headers on the wire, which is what R2 would see.
 */
export async function startRecordingForwarder(target: string) {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const record: RecordedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
    };
    requests.push(record);
    const isDelete = req.method === 'POST' && /[?&]delete(=|&|$)/.test(req.url ?? '');
    const chunks: Buffer[] = [];
    const out = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.on('data', (chunk: Buffer) => {
      if (isDelete) chunks.push(chunk);
      out.write(chunk);
    });
    req.on('end', () => {
      if (isDelete)
        record.deleteKeys = (
          Buffer.concat(chunks)
            .toString('utf8')
            .match(/<Object>/g) ?? []
        ).length;
      out.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
