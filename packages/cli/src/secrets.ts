import type { Env } from '@stowage/core';
import { maskUrlCredentials, urlCredentialsOf } from '@stowage/core/driver';

/** Variables whose names contain one of these words hold secrets: their values are never shown. */
const SECRET_NAME = /SECRET|KEY|PASSWORD|TOKEN/i;
/** Shorter values are not redacted from output: they would match ordinary words. */
const MIN_REDACTED_LENGTH = 6;
const MASK = '****';

/** True when a variable's value must never be printed (its name has SECRET, KEY, PASSWORD or TOKEN). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The value of a variable as it may be shown: secrets become `****` with their length, the
 * password of a URL (`cloudinary://key:secret@cloud`) becomes `****`, anything else is kept.
 */
export function maskValue(name: string, value: string): string {
  if (isSecretName(name)) return `${MASK} (${value.length} characters)`;
  return maskUrlCredentials(value);
}

/** The secret values in `env`: values of secret-named variables and passwords inside URLs. */
export function secretValues(env: Env): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretName(name)) found.add(value.trim());
    const password = urlCredentialsOf(value.trim())?.secret;
    if (password) {
      found.add(password);
      try {
        found.add(decodeURIComponent(password));
      } catch {
        // A malformed escape: the raw form is redacted already.
      }
    }
  }
  return [...found].filter((value) => value.length >= MIN_REDACTED_LENGTH);
}

/**
 * Removes known secret values from text before it is written anywhere: a second line of defence
 * behind the drivers' own rule that no message carries a secret.
 */
export class Redactor {
  private secrets: string[] = [];

  /** Adds the secrets of an environment (process env or a dotenv file). */
  addEnv(env: Env): void {
    const all = new Set([...this.secrets, ...secretValues(env)]);
    // Longest first, so a secret that contains another is replaced whole.
    this.secrets = [...all].sort((a, b) => b.length - a.length);
  }

  apply(text: string): string {
    let result = text;
    for (const secret of this.secrets) {
      if (result.includes(secret)) result = result.split(secret).join(MASK);
    }
    return result;
  }
}
