import type { FontWeight, TicketTypeface } from './pdf-fonts.js';

/** How a piece of text may be set into its box. */
export interface FitSpec {
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

/** Ends a line cut short. */
const ELLIPSIS = '\u2026';

/**
 * The largest size (by 1 pt steps from `maxSize` down to `minSize`) at which `text` fits in
 * `maxLines` lines of `width`, breaking at spaces and, inside a word too long for a line,
 * between characters. Text that fits at no size is set at `minSize` and cut after `maxLines`
 * lines, the last one ending in an ellipsis: no name is ever refused for its length.
 */
export function fitText(typeface: TicketTypeface, text: string, spec: FitSpec): FittedText {
  const measure: Measure = (piece) => typeface.widthOf(piece, spec.font, 1);
  const words = text.split(' ').map((word) => ({ text: word, width: measure(word) }));
  const space = measure(' ');
  for (let size = spec.maxSize; size >= spec.minSize; size--) {
    const lines = wrap(measure, words, space, size, spec.width, spec.maxLines);
    if (lines) return { size, lines };
  }
  const size = spec.minSize;
  const all = wrap(measure, words, space, size, spec.width, Number.POSITIVE_INFINITY) ?? [];
  const lines = all.slice(0, spec.maxLines);
  lines.push(withEllipsis(measure, lines.pop() ?? '', spec.width / size));
  return { size, lines };
}

/** `line` shortened, by code points, until it and an ellipsis fit in `width` (at 1 pt). */
function withEllipsis(measure: Measure, line: string, width: number): string {
  const chars = Array.from(line);
  while (chars.length > 0 && measure(`${chars.join('').trimEnd()}${ELLIPSIS}`) > width) chars.pop();
  return `${chars.join('').trimEnd()}${ELLIPSIS}`;
}

/**
 * Greedy line breaking. Words are measured once, at 1 pt; a line's width is the sum of its words
 * and spaces (pdfkit lays words out one by one too, so no kerning crosses a space). `undefined`
 * when more than `maxLines` are needed.
 */
function wrap(
  measure: Measure,
  words: Measured[],
  space: number,
  size: number,
  lineWidth: number,
  maxLines: number,
): string[] | undefined {
  const width = lineWidth / size;
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
    if (lines.length >= maxLines) return undefined;
  }
  if (current !== '') lines.push(current);
  return lines.length <= maxLines ? lines : undefined;
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
