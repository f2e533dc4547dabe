/**
 * qr-mask.ts alone (issue 18 item 4): a ticket made with the tickets package's own mask choice
 * (qrcode.create with a fixed mask, then applyBestMask) against qrcode's own (qrcode.create
 * choosing the mask), everything else the same: the 1-bit PNG, the vector PDF and both files
 * written to a disk storage, as issue() does.
 *
 *   pnpm tsx bench/tickets/qr-mask.ts [tickets=500] [rounds=5]
 *
 * The two sides alternate within each round (which goes first alternates too). Every round is
 * printed, then the median of each side's rounds: tickets/s (wall clock) and CPU ms per ticket
 * (the whole process, which varies less when other processes share the machine).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage, disk, type Storage } from '@stowage/core';
import {
  createQrMatrix,
  type QrMatrix,
  renderQrPng,
  renderTicketPdf,
  type Ticket,
} from '@stowage/tickets';

const requireFromTickets = createRequire(
  new URL('../../packages/tickets/package.json', import.meta.url),
);
const QRCode = requireFromTickets('qrcode') as {
  create(
    segments: Array<{ data: Buffer; mode: 'byte' }>,
    options: { errorCorrectionLevel: 'M' },
  ): { modules: { size: number; data: Uint8Array } };
};

const TICKETS = Number(process.argv[2] ?? 500);
const ROUNDS = Number(process.argv[3] ?? 5);

/** qrcode's own mask selection: the same single byte segment, no fixed mask. */
function qrcodeOwnMatrix(payload: string): QrMatrix {
  const segments = [{ data: Buffer.from(payload, 'utf8'), mode: 'byte' as const }];
  const { size, data } = QRCode.create(segments, { errorCorrectionLevel: 'M' }).modules;
  return { payload, size, isDark: (row, col) => data[row * size + col] === 1 };
}

/** A payload shaped like the signer's: `stw1.<event>.<ticket>.<43 base64url characters>`. */
const payloadOf = (i: number, round: number): string =>
  `stw1.spring-gala-2025.${round}-${i}.${randomBytes(32).toString('base64url')}`;

async function issue(storage: Storage, qr: QrMatrix, i: number): Promise<void> {
  const ticket: Ticket = {
    ticketId: String(i),
    eventId: 'spring-gala-2025',
    eventTitle: 'Spring Gala: An Evening of Jazz & Soul',
    eventDate: new Date('2025-06-14T17:30:00Z'),
    eventDateText: 'Saturday 14 June 2025, 19:30',
    buyerName: `Guest Number ${i}`,
    quantity: 1 + (i % 4),
    venue: 'Royal Albert Hall, Kensington Gore, London',
  };
  const pdf = await renderTicketPdf(ticket, qr);
  await Promise.all([
    storage.put(`qr/${i}.png`, renderQrPng(qr)),
    storage.put(`pdf/${i}.pdf`, pdf),
  ]);
}

interface Measure {
  rate: number;
  cpu: number;
}

async function measure(make: (payload: string) => QrMatrix, round: number): Promise<Measure> {
  const root = await mkdtemp(join(tmpdir(), 'stowage-bench-qr-mask-'));
  const storage = createStorage(disk({ root }));
  try {
    for (let i = 0; i < 20; i++) await issue(storage, make(payloadOf(i, -1)), i); // warm-up
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < TICKETS; i++) await issue(storage, make(payloadOf(i, round)), i);
    const rate = TICKETS / ((performance.now() - start) / 1000);
    const used = process.cpuUsage(cpu);
    return { rate, cpu: (used.user + used.system) / 1000 / TICKETS };
  } finally {
    await storage.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Also the symbols alone, in CPU ms per symbol: how much of a ticket the mask choice is. */
function symbolCpu(make: (payload: string) => QrMatrix): number {
  const payloads = Array.from({ length: 2000 }, (_, i) => payloadOf(i, 0));
  const cpu = process.cpuUsage();
  for (const payload of payloads) make(payload);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / payloads.length;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const OURS = 'qr-mask.ts';
const THEIRS = "qrcode's own";
const sides = { [OURS]: createQrMatrix, [THEIRS]: qrcodeOwnMatrix };
const runs: Record<string, Measure[]> = { [OURS]: [], [THEIRS]: [] };
console.log(
  `tickets: ${TICKETS} per round, ${ROUNDS} rounds, one ticket at a time; ${process.version}`,
);
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? [OURS, THEIRS] : [THEIRS, OURS];
  const line: string[] = [];
  for (const name of order) {
    const m = await measure(sides[name]!, round);
    runs[name]!.push(m);
    line.push(`${name} ${m.rate.toFixed(0)}/s ${m.cpu.toFixed(2)} CPU ms`);
  }
  console.log(`  round ${round + 1}: ${line.join(', ')}`);
}
const rate = (name: string) => median(runs[name]!.map((m) => m.rate));
const cpu = (name: string) => median(runs[name]!.map((m) => m.cpu));
console.log(
  `median: ${OURS} ${rate(OURS).toFixed(0)} tickets/s (${cpu(OURS).toFixed(2)} CPU ms/ticket), ${THEIRS} ${rate(THEIRS).toFixed(0)} tickets/s (${cpu(THEIRS).toFixed(2)}): ${OURS} gains ${((rate(OURS) / rate(THEIRS) - 1) * 100).toFixed(1)}% tickets/s, ${((cpu(THEIRS) / cpu(OURS) - 1) * 100).toFixed(1)}% by CPU (kept at >= 25%)`,
);
const symbols = { [OURS]: [] as number[], [THEIRS]: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  symbols[OURS].push(symbolCpu(createQrMatrix));
  symbols[THEIRS].push(symbolCpu(qrcodeOwnMatrix));
}
console.log(
  `symbols alone (median): ${OURS} ${median(symbols[OURS]).toFixed(3)} CPU ms, ${THEIRS} ${median(symbols[THEIRS]).toFixed(3)} CPU ms`,
);
