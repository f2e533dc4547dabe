/**
 * The QR mask choice of `qrcode`, on bit sets.
 *
 * `qrcode.create()` tries the 8 mask patterns module by module through BitMatrix getters and
 * keeps the one of lowest penalty (ISO 18004 section 7.8.3): three quarters of its time. Here
 * the symbol is made once with a fixed mask, that mask is undone, and the 8 candidates are
 * scored with the same rules, 32 modules at a time, in the same order and with the same
 * tie-break: the result is exactly the symbol `qrcode.create()` makes (the tests compare them
 * over hundreds of payloads of every mask and many versions).
 */

/** A symbol as `qrcode` returns it: modules row by row, and which of them are function patterns. */
export interface SymbolModules {
  size: number;
  data: Uint8Array;
  reservedBit: Uint8Array;
}

const N1 = 3;
const N2 = 3;
const N3 = 40;
const N4 = 10;

function maskAt(pattern: number, i: number, j: number): boolean {
  switch (pattern) {
    case 0:
      return (i + j) % 2 === 0;
    case 1:
      return i % 2 === 0;
    case 2:
      return j % 3 === 0;
    case 3:
      return (i + j) % 3 === 0;
    case 4:
      return (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0;
    case 5:
      return ((i * j) % 2) + ((i * j) % 3) === 0;
    case 6:
      return (((i * j) % 2) + ((i * j) % 3)) % 2 === 0;
    default:
      return (((i * j) % 3) + ((i + j) % 2)) % 2 === 0;
  }
}

const G15 = 0b10100110111;
const G15_MASK = 0b101010000010010;

function bchDigit(value: number): number {
  return value === 0 ? 0 : 32 - Math.clz32(value);
}

/** The 15 format bits: error correction level and mask, BCH(15,5) protected, masked. */
export function formatBits(levelBit: number, pattern: number): number {
  const data = (levelBit << 3) | pattern;
  let d = data << 10;
  while (bchDigit(d) - bchDigit(G15) >= 0) d ^= G15 << (bchDigit(d) - bchDigit(G15));
  return ((data << 10) | d) ^ G15_MASK;
}

/**
 * Where `qrcode` writes the format bits: for bit i, its two copies at rows/cols
 * [4i], [4i+1] and [4i+2], [4i+3].
 */
function formatCells(size: number): Int32Array {
  const cells = new Int32Array(60);
  for (let i = 0; i < 15; i++) {
    cells.set(
      [
        i < 6 ? i : i < 8 ? i + 1 : size - 15 + i,
        8,
        8,
        i < 8 ? size - i - 1 : i < 9 ? 15 - i : 14 - i,
      ],
      4 * i,
    );
  }
  return cells;
}

/** Everything about a symbol size that does not depend on the content. */
interface Geometry {
  size: number;
  /** 32-bit words per line. */
  words: number;
  /** Per pattern, 1 where the pattern flips a data module, row by row. */
  maskBytes: Uint8Array[];
  /** The same as bit sets, one line per row, and one line per column. */
  maskRows: Int32Array[];
  maskCols: Int32Array[];
  format: Int32Array;
  /** Bits of positions 0..size-1, 0..size-2, 0..size-5, 0..size-11 in each word. */
  valid: Int32Array;
  valid2: Int32Array;
  valid5: Int32Array;
  valid11: Int32Array;
}

const geometries = new Map<number, Geometry>();

function lineBits(size: number, get: (line: number, at: number) => boolean): Int32Array {
  const words = (size + 31) >>> 5;
  const bits = new Int32Array(size * words);
  for (let line = 0; line < size; line++) {
    for (let at = 0; at < size; at++)
      if (get(line, at)) bits[line * words + (at >>> 5)]! |= 1 << (at & 31);
  }
  return bits;
}

function validBits(size: number, last: number): Int32Array {
  const words = (size + 31) >>> 5;
  const valid = new Int32Array(words);
  for (let at = 0; at <= last; at++) valid[at >>> 5]! |= 1 << (at & 31);
  return valid;
}

// The reserved (function pattern) modules depend only on the version, hence on the size.
function geometry(symbol: SymbolModules): Geometry {
  const { size, reservedBit } = symbol;
  let found = geometries.get(size);
  if (!found) {
    const maskBytes: Uint8Array[] = [];
    for (let pattern = 0; pattern < 8; pattern++) {
      const mask = new Uint8Array(size * size);
      for (let i = 0; i < mask.length; i++) {
        mask[i] = !reservedBit[i] && maskAt(pattern, Math.floor(i / size), i % size) ? 1 : 0;
      }
      maskBytes.push(mask);
    }
    found = {
      size,
      words: (size + 31) >>> 5,
      maskBytes,
      format: formatCells(size),
      maskRows: maskBytes.map((m) => lineBits(size, (row, col) => m[row * size + col] === 1)),
      maskCols: maskBytes.map((m) => lineBits(size, (col, row) => m[row * size + col] === 1)),
      valid: validBits(size, size - 1),
      valid2: validBits(size, size - 2),
      valid5: validBits(size, size - 5),
      valid11: validBits(size, size - 11),
    };
    geometries.set(size, found);
  }
  return found;
}

function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  v = (v + (v >>> 4)) & 0x0f0f0f0f;
  return Math.imul(v, 0x01010101) >>> 24;
}

/** Word `w` of the line at `base`, moved down by `k` (1..31) positions: bit c = line[c + k]. */
function down(bits: Int32Array, base: number, words: number, w: number, k: number): number {
  const high = w + 1 < words ? bits[base + w + 1]! << (32 - k) : 0;
  return (bits[base + w]! >>> k) | high;
}

/**
 * N1 (runs of 5 or more modules of one colour: 3 points, +1 per module beyond 5) and N3
 * (1:1:3:1:1 finder-like patterns with 4 light modules on one side: 40 points) of every line.
 */
function linePenalty(bits: Int32Array, g: Geometry, equal: Int32Array): number {
  const { size, words } = g;
  let windows = 0;
  let runs = 0;
  let finders = 0;
  for (let line = 0; line < size; line++) {
    const base = line * words;
    // equal: bit c when modules c and c+1 have the same colour.
    for (let w = 0; w < words; w++)
      equal[w] = ~(bits[base + w]! ^ down(bits, base, words, w, 1)) & g.valid2[w]!;
    for (let w = 0; w < words; w++) {
      // A run of L >= 5 modules is L - 1 >= 4 equal neighbours in a row: windows of 4 of them,
      // and the first window of each run.
      const e = equal[w]!;
      const four =
        e & down(equal, 0, words, w, 1) & down(equal, 0, words, w, 2) & down(equal, 0, words, w, 3);
      const before = (e << 1) | (w > 0 ? equal[w - 1]! >>> 31 : 0);
      windows += popcount(four);
      runs += popcount(four & ~before);

      const a = bits[base + w]!;
      const s1 = down(bits, base, words, w, 1);
      const s2 = down(bits, base, words, w, 2);
      const s3 = down(bits, base, words, w, 3);
      const s4 = down(bits, base, words, w, 4);
      const s5 = down(bits, base, words, w, 5);
      const s6 = down(bits, base, words, w, 6);
      const s7 = down(bits, base, words, w, 7);
      const s8 = down(bits, base, words, w, 8);
      const s9 = down(bits, base, words, w, 9);
      const s10 = down(bits, base, words, w, 10);
      // 1011101 0000 and 0000 1011101, starting at c.
      const core = ~s5 & s6 & ~s9;
      const left = a & ~s1 & s2 & s3 & s4 & core & ~s7 & ~s8 & ~s10;
      const right = ~a & ~s1 & ~s2 & ~s3 & s4 & core & s7 & s8 & s10;
      finders += popcount((left | right) & g.valid11[w]!);
    }
  }
  // Runs of L hold L - 4 windows each: sum(L - 5) = windows - runs.
  return windows - runs + runs * N1 + finders * N3;
}

/** N2 (2x2 blocks of one colour, 3 points each) and N4 (balance of dark and light modules). */
function blockPenalty(rows: Int32Array, g: Geometry): number {
  const { size, words } = g;
  let blocks = 0;
  let dark = 0;
  for (let row = 0; row < size; row++) {
    const top = row * words;
    for (let w = 0; w < words; w++) {
      const a = rows[top + w]!;
      dark += popcount(a & g.valid[w]!);
      if (row === size - 1) continue;
      const vertical = ~(a ^ rows[top + words + w]!);
      const below = top + words;
      const verticalNext = ~(down(rows, top, words, w, 1) ^ down(rows, below, words, w, 1));
      const horizontal = ~(a ^ down(rows, top, words, w, 1));
      blocks += popcount(vertical & verticalNext & horizontal & g.valid2[w]!);
    }
  }
  const k = Math.abs(Math.ceil((dark * 100) / (size * size) / 5) - 10);
  return blocks * N2 + k * N4;
}

/**
 * Re-masks a symbol made with mask `usedPattern` with the best of the 8 masks. Returns the
 * final modules (format information included) and the pattern chosen.
 */
export function applyBestMask(
  symbol: SymbolModules,
  usedPattern: number,
  levelBit: number,
): { data: Uint8Array; pattern: number } {
  const g = geometry(symbol);
  const { size, words } = g;
  const used = g.maskBytes[usedPattern]!;
  // The unmasked symbol with its format information cleared.
  const raw = new Uint8Array(symbol.data.length);
  for (let i = 0; i < raw.length; i++) raw[i] = symbol.data[i]! ^ used[i]!;
  const cells = g.format;
  for (let j = 0; j < 60; j += 2) raw[cells[j]! * size + cells[j + 1]!] = 0;
  const rawRows = new Int32Array(size * words);
  const rawCols = new Int32Array(size * words);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (raw[row * size + col] === 0) continue;
      rawRows[row * words + (col >>> 5)]! |= 1 << (col & 31);
      rawCols[col * words + (row >>> 5)]! |= 1 << (row & 31);
    }
  }

  const rows = new Int32Array(rawRows.length);
  const cols = new Int32Array(rawCols.length);
  const equal = new Int32Array(words);
  let bestPattern = 0;
  let lowest = Number.POSITIVE_INFINITY;
  for (let pattern = 0; pattern < 8; pattern++) {
    const maskRows = g.maskRows[pattern]!;
    const maskCols = g.maskCols[pattern]!;
    for (let i = 0; i < rows.length; i++) {
      rows[i] = rawRows[i]! ^ maskRows[i]!;
      cols[i] = rawCols[i]! ^ maskCols[i]!;
    }
    const bits = formatBits(levelBit, pattern);
    for (let j = 0; j < 60; j += 2) {
      if (((bits >> (j >> 2)) & 1) === 0) continue;
      const row = cells[j]!;
      const col = cells[j + 1]!;
      rows[row * words + (col >>> 5)]! |= 1 << (col & 31);
      cols[col * words + (row >>> 5)]! |= 1 << (row & 31);
    }
    const score = linePenalty(rows, g, equal) + linePenalty(cols, g, equal) + blockPenalty(rows, g);
    if (score < lowest) {
      lowest = score;
      bestPattern = pattern;
    }
  }

  const mask = g.maskBytes[bestPattern]!;
  const data = new Uint8Array(raw.length);
  for (let i = 0; i < data.length; i++) data[i] = raw[i]! ^ mask[i]!;
  const bits = formatBits(levelBit, bestPattern);
  for (let j = 0; j < 60; j += 2) data[cells[j]! * size + cells[j + 1]!] = (bits >> (j >> 2)) & 1;
  return { data, pattern: bestPattern };
}
