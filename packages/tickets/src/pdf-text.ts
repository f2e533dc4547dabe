import { invalidField } from './validate.js';

/** How a piece of text may be set into its box. */
export interface FitSpec {
  /** Ticket field named in the error when the text cannot fit. */
  field: string;
  font: string;
  maxSize: number;
  minSize: number;
  width: number;
  maxLines: number;
}

/** Text broken into lines at the size they fit. */
export interface FittedText {
  size: number;
  lines: string[];
}

/**
 * The largest size (by 1 pt steps from `maxSize` down to `minSize`) at which `text` fits in
 * `maxLines` lines of `width`, breaking at spaces and, inside a word too long for a line,
 * between characters. Throws INVALID_INPUT naming the field when it fits at no size.
 */
export function fitText(doc: PDFKit.PDFDocument, text: string, spec: FitSpec): FittedText {
  doc.font(spec.font).fontSize(1);
  const words = text.split(' ').map((word) => ({ text: word, width: unitWidth(doc, word) }));
  const space = unitWidth(doc, ' ');
  for (let size = spec.maxSize; size >= spec.minSize; size--) {
    const lines = wrap(doc, words, space, size, spec);
    if (lines) return { size, lines };
  }
  throw invalidField(
    spec.field,
    `${JSON.stringify(shorten(text))} is too long to fit on the ticket`,
  );
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Greedy line breaking. Words are measured once, at 1 pt; a line's width is the sum of its words
 * and spaces. That ignores kerning across a space, which in the standard fonts only ever narrows
 * a line, so a line measured to fit does fit. `undefined` when more than `maxLines` are needed.
 */
function wrap(
  doc: PDFKit.PDFDocument,
  words: Measured[],
  space: number,
  size: number,
  spec: FitSpec,
) {
  const width = spec.width / size;
  const lines: string[] = [];
  let current = '';
  let used = 0;
  for (const word of words) {
    if (current !== '' && used + space + word.width <= width) {
      current += ` ${word.text}`;
      used += space + word.width;
      continue;
    }
    if (current !== '') lines.push(current);
    if (word.width <= width) {
      current = word.text;
      used = word.width;
    } else {
      // A word wider than a line is cut between characters.
      const pieces = cutWord(doc, word.text, width);
      current = pieces.pop() ?? '';
      used = unitWidth(doc, current);
      lines.push(...pieces);
    }
    if (lines.length >= spec.maxLines) return undefined;
  }
  if (current !== '') lines.push(current);
  return lines.length <= spec.maxLines ? lines : undefined;
}

interface Measured {
  text: string;
  /** Width at 1 pt. */
  width: number;
}

function unitWidth(doc: PDFKit.PDFDocument, text: string): number {
  return doc.widthOfString(text);
}

function cutWord(doc: PDFKit.PDFDocument, word: string, width: number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > 1 && unitWidth(doc, rest) > width) {
    let cut = 1;
    while (cut < rest.length - 1 && unitWidth(doc, rest.slice(0, cut + 1)) <= width) cut++;
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  pieces.push(rest);
  return pieces;
}
