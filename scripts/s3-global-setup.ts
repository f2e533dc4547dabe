// Vitest globalSetup: gives the tests a real S3 endpoint.
//
// If S3_ENDPOINT is set (MinIO, AWS, ...), nothing is started and the S3_* variables are passed
// on as they are. Otherwise `scripts/s3-server.sh start` starts a local Ceph RADOS Gateway (or
// finds it already running); its S3_* lines are put on process.env and provided as `s3`
// (`inject('s3')` in tests). The server is stopped at teardown only if this setup started it.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';

export interface S3TestEnv {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3TestEnv;
  }
}

const run = promisify(execFile);
const script = fileURLToPath(new URL('./s3-server.sh', import.meta.url));

async function server(command: 'start' | 'stop' | 'status'): Promise<string> {
  try {
    const { stdout } = await run('bash', [script, command], { timeout: 120_000 });
    return stdout;
  } catch (error) {
    if (command === 'status') throw error;
    const { stderr = '', message } = error as { stderr?: string; message: string };
    throw new Error(`s3-server.sh ${command} failed: ${message}\n${stderr}`);
  }
}

export default async function setup(project: TestProject) {
  let started = false;
  if (!process.env.S3_ENDPOINT) {
    const alreadyRunning = await server('status').then(
      () => true,
      () => false,
    );
    started = !alreadyRunning;
    for (const line of (await server('start')).split('\n')) {
      const match = /^(S3_[A-Z_]+)=(.*)$/.exec(line.trim());
      if (match) process.env[match[1]!] = match[2]!;
    }
    if (!process.env.S3_ENDPOINT) throw new Error('s3-server.sh start printed no S3_ENDPOINT');
  }

  project.provide('s3', {
    endpoint: process.env.S3_ENDPOINT!,
    accessKeyId: process.env.S3_ACCESS_KEY_ID ?? '',
    secretAccessKey: process.env.S3_SECRET_ACCESS_KEY ?? '',
    region: process.env.S3_REGION ?? 'us-east-1',
  });

  return async () => {
    if (started) await server('stop');
  };
}
