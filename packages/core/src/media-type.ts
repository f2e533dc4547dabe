/**
 * Content-Type values read as browsers read them: the WHATWG MIME Sniffing "parse a MIME type"
 * and the Fetch "extract a MIME type" algorithms. A header value can hold a comma-separated list
 * (`image/png, text/html`); a browser then uses the last valid type of the list, so a check that
 * looks only at the start of the value is fooled. Every type that enters or leaves a storage goes
 * through this one reading (see content-type.ts).
 */
export interface MediaType {
  /** Lowercase, e.g. `text`. */
  type: string;
  /** Lowercase, e.g. `html`. */
  subtype: string;
  /** Names lowercase; values as sent. The first of a repeated name wins. */
  parameters: Map<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QUOTED_STRING_TOKEN = /^[\t\u0020-\u007e\u0080-\u00ff]*$/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const TAB_OR_SPACE = /^[\t ]+|[\t ]+$/g;

/** `type/subtype`. */
export function essence(mediaType: MediaType): string {
  return `${mediaType.type}/${mediaType.subtype}`;
}

/**
 * Collects an HTTP quoted string starting at `input[start]` (a `"`). Returns the unquoted value
 * (or the raw text with its quotes when `extract` is false) and the position after it.
 */
function quotedString(
  input: string,
  start: number,
  extract: boolean,
): { value: string; end: number } {
  let position = start + 1;
  let value = '';
  for (;;) {
    while (position < input.length && input[position] !== '"' && input[position] !== '\\') {
      value += input[position++];
    }
    if (position >= input.length) break;
    const char = input[position++];
    if (char === '\\') {
      if (position >= input.length) {
        value += '\\';
        break;
      }
      value += input[position++];
    } else {
      break;
    }
  }
  return { value: extract ? value : input.slice(start, position), end: position };
}

/**
 * Fetch's "get, decode, and split": the comma-separated values of a header, commas inside quoted
 * strings kept. `image/png, text/html` -> `['image/png', 'text/html']`.
 */
export function splitHeaderValues(input: string): string[] {
  const values: string[] = [];
  let position = 0;
  let value = '';
  for (;;) {
    while (position < input.length && input[position] !== '"' && input[position] !== ',') {
      value += input[position++];
    }
    if (position < input.length) {
      if (input[position] === '"') {
        const quoted = quotedString(input, position, false);
        value += quoted.value;
        position = quoted.end;
        if (position < input.length) continue;
      } else {
        position++; // the comma
      }
    }
    values.push(value.replace(TAB_OR_SPACE, ''));
    value = '';
    if (position >= input.length) return values;
  }
}

/** WHATWG MIME Sniffing "parse a MIME type": undefined when the value is not a valid type. */
export function parseMediaType(raw: string): MediaType | undefined {
  const input = raw.replace(HTTP_WHITESPACE, '');
  const slash = input.indexOf('/');
  if (slash < 0) return undefined;
  const type = input.slice(0, slash);
  if (!TOKEN.test(type)) return undefined;
  let position = input.indexOf(';', slash + 1);
  if (position < 0) position = input.length;
  const subtype = input.slice(slash + 1, position).replace(/[\t\n\r ]+$/, '');
  if (!TOKEN.test(subtype)) return undefined;
  const parameters = new Map<string, string>();
  while (position < input.length) {
    position++; // the `;`
    while (position < input.length && /[\t\n\r ]/.test(input[position]!)) position++;
    let nameEnd = position;
    while (nameEnd < input.length && input[nameEnd] !== ';' && input[nameEnd] !== '=') nameEnd++;
    const name = input.slice(position, nameEnd).toLowerCase();
    position = nameEnd;
    if (position < input.length) {
      if (input[position] === ';') continue;
      position++; // the `=`
    }
    if (position >= input.length) break;
    let value: string;
    if (input[position] === '"') {
      const quoted = quotedString(input, position, true);
      value = quoted.value;
      position = quoted.end;
      while (position < input.length && input[position] !== ';') position++;
    } else {
      let valueEnd = input.indexOf(';', position);
      if (valueEnd < 0) valueEnd = input.length;
      value = input.slice(position, valueEnd).replace(/[\t\n\r ]+$/, '');
      position = valueEnd;
      if (value === '') continue;
    }
    if (TOKEN.test(name) && QUOTED_STRING_TOKEN.test(value) && !parameters.has(name)) {
      parameters.set(name, value);
    }
  }
  return { type: type.toLowerCase(), subtype: subtype.toLowerCase(), parameters };
}

/**
 * Fetch's "extract a MIME type" from a Content-Type value: what a browser uses. The last valid
 * type of a list wins (`*\/*` is skipped); a charset carries over between repeats of one type.
 */
export function extractMediaType(headerValue: string): MediaType | undefined {
  let charset: string | undefined;
  let current: string | undefined;
  let result: MediaType | undefined;
  for (const value of splitHeaderValues(headerValue)) {
    const parsed = parseMediaType(value);
    if (parsed === undefined || essence(parsed) === '*/*') continue;
    result = parsed;
    if (essence(parsed) !== current) {
      charset = parsed.parameters.get('charset');
      current = essence(parsed);
    } else if (!parsed.parameters.has('charset') && charset !== undefined) {
      parsed.parameters.set('charset', charset);
    }
  }
  return result;
}

/** The one type a value names, or undefined when it is not exactly one valid type (a list, junk). */
export function parseSingleMediaType(headerValue: string): MediaType | undefined {
  const values = splitHeaderValues(headerValue);
  return values.length === 1 ? parseMediaType(values[0]!) : undefined;
}

/** `text/plain;charset=utf-8`; values that are not tokens are quoted. */
export function serializeMediaType(mediaType: MediaType): string {
  let text = essence(mediaType);
  for (const [name, value] of mediaType.parameters) {
    const safe =
      value !== '' && TOKEN.test(value) ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
    text += `;${name}=${safe}`;
  }
  return text;
}
