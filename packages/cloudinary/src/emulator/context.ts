/**
 * Parses Cloudinary's context string, `key=value|key2=value2`, where `\=` and `\|` stand for
 * literal `=` and `|` (the SDK's `encode_context` escapes them so, and nothing else: any other
 * backslash is literal). A pair without `=` is dropped.
 */
export function parseContext(encoded: string): Record<string, string> {
  // No prototype, so a key like `__proto__` is just a key.
  const result: Record<string, string> = Object.create(null);
  let key = '';
  let value = '';
  let inValue = false;
  const flush = () => {
    if (inValue && key !== '') result[key] = value;
    key = '';
    value = '';
    inValue = false;
  };
  for (let i = 0; i < encoded.length; i++) {
    let ch = encoded.charAt(i);
    const next = encoded.charAt(i + 1);
    if (ch === '\\' && (next === '=' || next === '|')) {
      ch = next;
      i++;
    } else if (ch === '|') {
      flush();
      continue;
    } else if (ch === '=' && !inValue) {
      inValue = true;
      continue;
    }
    if (inValue) value += ch;
    else key += ch;
  }
  flush();
  return result;
}

/** Comma-separated tags, trimmed, empty ones dropped, duplicates removed. */
export function parseTags(encoded: string): string[] {
  return [
    ...new Set(
      encoded
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    ),
  ];
}
