/**
 * Credentials inside URL-looking values (`scheme://user:password@host`), found the same way for
 * error messages (core, drivers) and for the CLI's masked variable list and output redaction.
 */

const MASK = '****';
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Where a URL's user info is: [start, end) before its `@`; the user name when a password follows. */
export interface UrlCredentials {
  start: number;
  end: number;
  user: string | undefined;
  /** The password, or the whole user info when there is no `:` (a token). */
  secret: string;
}

/**
 * The user info of a value with a scheme (`https://`, `cloudinary://`, ...), undefined when it has
 * none. An `@` in the path of a URL that parses is a path's (`https://example.com/a:b@c`); in one
 * that does not parse (`https://user:pa/ss@host`: a `/` in the password) everything up to the
 * last `@` counts.
 */
export function urlCredentialsOf(value: string): UrlCredentials | undefined {
  const scheme = SCHEME.exec(value);
  if (!scheme) return undefined;
  const start = scheme[0].length;
  const rest = value.slice(start);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at === -1) {
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

/**
 * `value` as it may appear in a message or log: `scheme://user:password@host` ->
 * `scheme://user:****@host`, `scheme://token@host` -> `scheme://****@host`. A value without a
 * scheme that has an `@` (a host where `user:password@host` was written) is masked up to its last
 * `@`. Anything else is kept as it is.
 */
export function maskUrlCredentials(value: string): string {
  if (!SCHEME.test(value)) {
    const at = value.lastIndexOf('@');
    return at === -1 ? value : `${MASK}${value.slice(at)}`;
  }
  const found = urlCredentialsOf(value);
  if (found === undefined) return value;
  const head = found.user !== undefined ? `${found.user}:${MASK}` : MASK;
  return `${value.slice(0, found.start)}${head}${value.slice(found.end)}`;
}
