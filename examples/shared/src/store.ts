import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface Customer {
  id: number;
  name: string;
  email: string;
  /** The storage key of the profile image, if any. Its URL is made when a page is rendered. */
  imageKey?: string;
  createdAt: string;
}

export interface EventRecord {
  id: number;
  title: string;
  /** As typed in the form, e.g. `2025-06-14T19:30`. */
  date: string;
  venue: string;
}

export interface TicketRecord {
  id: number;
  eventId: number;
  buyerName: string;
  quantity: number;
  createdAt: string;
  /** When the ticket was checked in at the entrance; a second entry is refused. */
  usedAt?: string;
}

type Kind = 'customers' | 'events' | 'tickets';

export interface Data {
  /** The next id of each kind: ids are never reused, even after a delete. */
  nextId: Record<Kind, number>;
  customers: Customer[];
  events: EventRecord[];
  tickets: TicketRecord[];
}

const EMPTY: Data = {
  nextId: { customers: 1, events: 1, tickets: 1 },
  customers: [],
  events: [],
  tickets: [],
};

/**
 * The app's data in one JSON file: no database server to install. Each change is written to a
 * temporary file and renamed over the old one, so a crash never leaves half a file; changes are
 * queued so that two requests never overwrite each other's.
 */
export class JsonStore {
  readonly file: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {
    this.file = join(dir, 'db.json');
  }

  async read(): Promise<Data> {
    try {
      return {
        ...structuredClone(EMPTY),
        ...(JSON.parse(await readFile(this.file, 'utf8')) as Partial<Data>),
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
      throw error;
    }
  }

  /** Runs `change` on the current data and saves it, one change at a time. */
  update<T>(change: (data: Data) => T): Promise<T> {
    const run = this.#queue.then(async () => {
      const data = await this.read();
      const result = change(data);
      await this.#write(data);
      return result;
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  async #write(data: Data): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temp = `${this.file}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
      await rename(temp, this.file);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }
}

/**
 * The record id a URL or a JSON body names: a whole number from 1 written plainly (`7`, or the
 * JSON number 7), else NaN, which no record has (a 404). `Number()` alone would take `0x7`, `7e0`,
 * `7.0`, ` 7 `, `true` and `[7]` for 7.
 */
export function recordId(value: unknown): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 1 ? value : NaN;
  if (typeof value !== 'string' || !/^[1-9]\d{0,15}$/.test(value)) return NaN;
  const id = Number(value);
  return Number.isSafeInteger(id) ? id : NaN;
}

/** Takes the next id of a kind. */
export function takeId(data: Data, kind: Kind): number {
  const id = data.nextId[kind];
  data.nextId[kind] = id + 1;
  return id;
}
