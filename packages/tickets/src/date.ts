import { StorageError } from '@stowage/core';

// YYYY-MM-DD, optionally THH:mm[:ss[.fff]], optionally Z or +HH:MM / -HHMM.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

interface WallClock {
  year: number;
  month: number;
  day: number;
  /** Absent for a date without a time. */
  hour?: number;
  minute?: number;
}

/** The parsed event date: the instant, and the text printed on the ticket. */
export interface EventDate {
  date: Date;
  text: string;
}

function invalidDate(message: string): StorageError {
  return new StorageError('INVALID_INPUT', `Invalid ticket eventDate: ${message}.`);
}

/**
 * Parses `eventDate` and formats it as printed on the ticket: `Saturday 14 June 2025, 19:30`.
 * Deterministic: the same input gives the same text on every machine, whatever its time zone.
 * Intl gives the fields (English names, 24-hour clock); the text is put together here, because
 * the literals between them differ between ICU versions ("2025, 19:30" or "2025 at 19:30").
 */
export function parseEventDate(value: unknown, timeZone: string): EventDate {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidDate('the Date is invalid');
    checkYear(value.getUTCFullYear());
    return { date: value, text: formatIn(value, timeZone, true) };
  }
  if (typeof value !== 'string') {
    throw invalidDate(`expected a Date or an ISO 8601 string, got ${typeof value}`);
  }
  const match = ISO.exec(value.trim());
  if (!match) {
    throw invalidDate(
      `expected an ISO 8601 date like 2025-06-14T19:30:00+02:00, got ${JSON.stringify(value)}`,
    );
  }
  const [, y, mo, d, h, mi, s, zone] = match;
  const wall: WallClock = { year: Number(y), month: Number(mo), day: Number(d) };
  checkYear(wall.year);
  if (h !== undefined) {
    wall.hour = Number(h);
    wall.minute = Number(mi);
  }
  const utc = Date.UTC(
    wall.year,
    wall.month - 1,
    wall.day,
    wall.hour ?? 0,
    wall.minute ?? 0,
    Number(s ?? 0),
  );
  const check = new Date(utc);
  if (
    check.getUTCMonth() !== wall.month - 1 ||
    check.getUTCDate() !== wall.day ||
    (wall.hour ?? 0) > 23 ||
    (wall.minute ?? 0) > 59 ||
    Number(s ?? 0) > 59
  ) {
    throw invalidDate(`${JSON.stringify(value)} is not a calendar date and time`);
  }
  // A string without an offset is a wall-clock time at the venue; its instant is taken as UTC.
  const offsetMinutes = zone === undefined || zone === 'Z' ? 0 : parseOffset(zone);
  // The text is the wall clock as written: formatted in UTC, where `check` holds it.
  return {
    date: new Date(utc - offsetMinutes * 60_000),
    text: formatIn(check, 'UTC', wall.hour !== undefined),
  };
}

/**
 * Years of four digits from 1000: Date.UTC reads 0-99 as 1900-1999 (`0050` printed as 1950), and
 * earlier years print without their era. An event date that far back is a typo.
 */
function checkYear(year: number): void {
  if (year < 1000 || year > 9999) {
    throw invalidDate(`the year must be from 1000 to 9999, got ${year}`);
  }
}

/** Minutes east of UTC; offsets in use run from -12:00 to +14:00. */
function parseOffset(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (minutes > 59 || hours * 60 + minutes > (sign > 0 ? 14 * 60 : 12 * 60)) {
    throw invalidDate(`${zone} is not a UTC offset (they run from -12:00 to +14:00)`);
  }
  return sign * (hours * 60 + minutes);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Dates formatted lately: the tickets of one event share its date (formatToParts: ~65 us). */
const formatted = new Map<string, string>();
const MAX_FORMATTED = 256;

/** `Saturday 14 June 2025, 19:30` for the instant in `timeZone`; without `, 19:30` for a date. */
function formatIn(date: Date, timeZone: string, withTime: boolean): string {
  const id = `${date.getTime()} ${withTime ? 't' : 'd'} ${timeZone}`;
  let text = formatted.get(id);
  if (text === undefined) {
    text = formatParts(date, timeZone, withTime);
    if (formatted.size >= MAX_FORMATTED) formatted.clear();
    formatted.set(id, text);
  }
  return text;
}

function formatParts(date: Date, timeZone: string, withTime: boolean): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      weekday: 'long',
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  const p: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const part of formatter.formatToParts(date)) p[part.type] = part.value;
  const day = `${p.weekday} ${p.day} ${p.month} ${p.year}`;
  return withTime ? `${day}, ${p.hour}:${p.minute}` : day;
}

/** Checks an IANA time zone name; throws CONFIG for an unknown one. */
export function checkTimeZone(timeZone: string): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return timeZone;
  } catch (cause) {
    throw new StorageError(
      'CONFIG',
      `Unknown time zone ${JSON.stringify(timeZone)} (expected an IANA name like Europe/Paris).`,
      { cause },
    );
  }
}
