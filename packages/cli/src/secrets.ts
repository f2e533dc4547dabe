import type { Env } from '@stowage/core';

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
  return maskUrlPassword(value);
}

/**
 * `scheme://user:password@host` -> `scheme://user:****@host`, `scheme://token@host` ->
 * `scheme://****@host`; other text is kept as it is. A URL that does not parse and has an `@`
 * (a password with `/` in it) is masked up to its last `@`.
 */
export function maskUrlPassword(value: string): string {
  const info = userinfoOf(value);
  if (info === undefined) return value;
  const head = info.user !== undefined ? `${info.user}:${MASK}` : MASK;
  return `${value.slice(0, info.start)}${head}${value.slice(info.end)}`;
}

/**
 * Where the user info of a URL-looking value is: [start, end) before its `@`, and the user name
 * when a password follows it. Undefined when there is none.
 */
function userinfoOf(
  value: string,
): { start: number; end: number; user: string | undefined; secret: string } | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  const rest = value.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at === -1) {
    // No user info in the authority; an `@` further on is a path's, unless the URL is broken
    // (`https://user:pa/ss@host` does not parse): then mask up to the last `@`.
    if (!rest.includes('@') || URL.canParse(value)) return undefined;
    at = rest.lastIndexOf('@');
    return { start, end: start + at, user: undefined, secret: rest.slice(0, at) };
  }
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon === -1) return { start, end: start + at, user: undefined, secret: userinfo };
  return {
    start,
    end: start + at,
    user: userinfo.slice(0, colon),
    secret: userinfo.slice(colon + 1),
  };
}

/** The secret values in `env`: values of secret-named variables and passwords inside URLs. */
export function secretValues(env: Env): string[] {
  const found = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value) continue;
    if (isSecretName(name)) found.add(value.trim());
    const password = userinfoOf(value.trim())?.secret;
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
