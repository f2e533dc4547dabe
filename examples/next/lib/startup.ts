import { describeConfigError } from '@stowage/example-shared/config';
import { app } from './context';

/** Makes the app's context from the environment; a configuration error ends the process. */
export function checkSettings(): void {
  try {
    app();
  } catch (error) {
    const message = describeConfigError(error);
    if (!message) throw error;
    console.error(`Configuration error: ${message}`);
    process.exit(1);
  }
}
