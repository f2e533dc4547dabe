import { main } from './main.js';

// The first Ctrl-C stops a migration cleanly (in-flight copies are abandoned, the summary is
// printed); a second one, or one during any other command, exits at once.
const controller = new AbortController();
const graceful = process.argv[2] === 'migrate';
let signals = 0;
const onSignal = (signal: NodeJS.Signals): void => {
  signals++;
  if (signals > 1 || !graceful) process.exit(130);
  controller.abort(new Error(`Interrupted by ${signal}`));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// `stowage ls | head -1`: the reader went away. Nothing more can be shown; a migration stops as
// on Ctrl-C (what it copied stays whole), anything else ends at once, quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!graceful) process.exit(0);
    controller.abort(new Error('The output was closed'));
  });
}

const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  signal: controller.signal,
});
process.exitCode = code;
// Keep-alive sockets of an SDK may hold the event loop open; do not wait on them for long.
setTimeout(() => process.exit(code), 2000).unref();
