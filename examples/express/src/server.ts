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
createApp(options).listen(port, () => {
  console.log(`Stowage demo on http://localhost:${port} (storage: ${options.storage.driver})`);
});
