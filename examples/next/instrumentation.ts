// Runs once when the Next server starts (not during `next build`): the settings are read now, so
// that a missing secret or a wrong storage variable stops the server with one clear line, as
// the Express app does, instead of a 500 on every page after "Ready".
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkSettings } = await import('./lib/startup');
    checkSettings();
  }
}
