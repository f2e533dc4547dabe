/**
 * A small zlib stream writer (RFC 1950 around one fixed-Huffman DEFLATE block, RFC 1951 3.2.6)
 * for the QR PNG. A QR's scanlines repeat at a few known distances (the byte before, the row
 * above, the module row above), so matches tried at those distances only compress it as well as
 * zlib's run-length strategy (~1 KB for a ticket's QR). Written here because node:zlib's
 * deflateSync costs ~150 us per call inside a ticket's rendering (a stream object and ~256 KB of
 * compressor state each time, counted as external memory that brings collections forward),
 * against ~30 us here with one output buffer.
 */

// Lengths 3..258 and distances 1..32768: base value and extra bits of each code (RFC 1951 3.2.5).
const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
  163, 195, 227, 258,
];
const LENGTH_EXTRA = [
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049,
  3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const MAX_MATCH = 258;
const MAX_DISTANCE = 32768;

function reversed(code: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) r = (r << 1) | ((code >> i) & 1);
  return r;
}

// The fixed literal/length code, bit-reversed: Huffman codes go out most significant bit first
// into a stream filled from the least significant bit.
const SYMBOL_CODE = new Uint16Array(288);
const SYMBOL_BITS = new Uint8Array(288);
for (let s = 0; s < 288; s++) {
  const [code, bits] =
    s < 144
      ? [0x30 + s, 8]
      : s < 256
        ? [0x190 + s - 144, 9]
        : s < 280
          ? [s - 256, 7]
          : [0xc0 + s - 280, 8];
  SYMBOL_CODE[s] = reversed(code, bits);
  SYMBOL_BITS[s] = bits;
}
const LENGTH_CODE = new Uint8Array(MAX_MATCH + 1);
for (let c = 0; c < LENGTH_BASE.length; c++) {
  const end = c + 1 < LENGTH_BASE.length ? LENGTH_BASE[c + 1]! : MAX_MATCH + 1;
  for (let length = LENGTH_BASE[c]!; length < end; length++) LENGTH_CODE[length] = c;
}

/**
 * `data` as a zlib stream. At each position the longest match at one of `distances` (3 bytes
 * or more) is written, else the byte: any input round-trips; how small the output is depends on
 * the distances fitting the data.
 */
export function zlibCompress(data: Uint8Array, distances: readonly number[]): Uint8Array {
  const usable = distances.filter((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DISTANCE);
  // At most 9 bits a byte (a literal), plus header, block ends and checksum.
  const out = new Uint8Array(Math.ceil((data.length * 9) / 8) + 16);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; 0x7801 is a multiple of 31
  let at = 2;
  let pending = 0;
  let count = 0;
  const write = (value: number, bits: number) => {
    pending |= value << count;
    count += bits;
    while (count >= 8) {
      out[at++] = pending & 0xff;
      pending >>>= 8;
      count -= 8;
    }
  };
  write(0b011, 3); // the last block, compressed with the fixed codes

  for (let i = 0; i < data.length; ) {
    let best = 0;
    let bestDistance = 0;
    const longest = Math.min(MAX_MATCH, data.length - i);
    for (const d of usable) {
      if (d > i) continue;
      let length = 0;
      while (length < longest && data[i + length] === data[i + length - d]) length++;
      if (length > best) {
        best = length;
        bestDistance = d;
      }
    }
    if (best < 3) {
      write(SYMBOL_CODE[data[i]!]!, SYMBOL_BITS[data[i]!]!);
      i++;
      continue;
    }
    const lc = LENGTH_CODE[best]!;
    write(SYMBOL_CODE[257 + lc]!, SYMBOL_BITS[257 + lc]!);
    if (LENGTH_EXTRA[lc]) write(best - LENGTH_BASE[lc]!, LENGTH_EXTRA[lc]!);
    let dc = 0;
    while (dc + 1 < DISTANCE_BASE.length && DISTANCE_BASE[dc + 1]! <= bestDistance) dc++;
    write(reversed(dc, 5), 5);
    // Distance codes 4 and up carry (code >> 1) - 1 extra bits.
    if (dc >= 4) write(bestDistance - DISTANCE_BASE[dc]!, (dc >> 1) - 1);
    i += best;
  }
  write(SYMBOL_CODE[256]!, SYMBOL_BITS[256]!); // end of block
  if (count > 0) out[at++] = pending & 0xff;

  // Adler-32, reduced every 5552 bytes (the most that cannot overflow 32 bits).
  let a = 1;
  let b = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  out[at++] = b >>> 8;
  out[at++] = b & 0xff;
  out[at++] = a >>> 8;
  out[at++] = a & 0xff;
  return out.subarray(0, at);
}
