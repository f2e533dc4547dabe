// `pnpm start`: the demo on http://localhost:3000, files on the local disk unless .env says otherwise.
import { config } from 'dotenv';
import { createApp } from './app.js';
import { appOptionsFromEnv, describeConfigError } from './config.js';

config({ quiet: true });

let options: ReturnType<typeof appOptionsFromEnv>;
try {
  options = appOptionsFromEnv(process.env);
} catch (error) {
  const message = describeConfigError(error);
  if (!message) throw error;
  console.error(`Configuration error: ${message}`);
  process.exit(1);
}

const port = Number(process.env.PORT) || 3000;
// HOST: the address to listen on (default: every interface, as a PaaS needs; 127.0.0.1 keeps the
// demo to this machine).
const host = process.env.HOST?.trim() || undefined;
const announce = () => {
  const shown = host && host !== '0.0.0.0' && host !== '::' ? host : 'localhost';
  console.log(`Stowage demo on http://${shown}:${port} (storage: ${options.storage.driver})`);
};
const app = createApp(options);
if (host) app.listen(port, host, announce);
else app.listen(port, announce);
