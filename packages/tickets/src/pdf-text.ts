import type { FontWeight, TicketTypeface } from './pdf-fonts.js';
import { invalidField } from './validate.js';

/** How a piece of text may be set into its box. */
export interface FitSpec {
  /** Ticket field named in the error when the text cannot fit. */
  field: string;
  font: FontWeight;
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
export function fitText(typeface: TicketTypeface, text: string, spec: FitSpec): FittedText {
  const measure: Measure = (piece) => typeface.widthOf(piece, spec.font, 1);
  const words = text.split(' ').map((word) => ({ text: word, width: measure(word) }));
  const space = measure(' ');
  for (let size = spec.maxSize; size >= spec.minSize; size--) {
    const lines = wrap(measure, words, space, size, spec);
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
 * and spaces (pdfkit lays words out one by one too, so no kerning crosses a space). `undefined`
 * when more than `maxLines` are needed.
 */
function wrap(measure: Measure, words: Measured[], space: number, size: number, spec: FitSpec) {
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
      const pieces = cutWord(measure, word.text, width);
      current = pieces.pop() ?? '';
      used = measure(current);
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

/** Width at 1 pt. */
type Measure = (text: string) => number;

function cutWord(measure: Measure, word: string, width: number): string[] {
  const pieces: string[] = [];
  // By code point, so that no character is cut in two.
  let rest = Array.from(word);
  while (rest.length > 1 && measure(rest.join('')) > width) {
    let cut = 1;
    while (cut < rest.length - 1 && measure(rest.slice(0, cut + 1).join('')) <= width) cut++;
    pieces.push(rest.slice(0, cut).join(''));
    rest = rest.slice(cut);
  }
  pieces.push(rest.join(''));
  return pieces;
}
