import { StorageError } from '@stowage/core';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

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
 * Parses `eventDate` and formats it as printed on the ticket. Deterministic: the same input
 * gives the same text on every machine, whatever its time zone or ICU version (Intl is used
 * only for numeric fields, names are this module's own).
 */
export function parseEventDate(value: unknown, timeZone: string): EventDate {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw invalidDate('the Date is invalid');
    return { date: value, text: formatWallClock(wallClockIn(value, timeZone)) };
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
  return { date: new Date(utc - offsetMinutes * 60_000), text: formatWallClock(wall) };
}

function parseOffset(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function wallClockIn(date: Date, timeZone: string): WallClock {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  const parts: Record<string, number> = {};
  for (const part of formatter.formatToParts(date)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
  };
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

/** `Saturday 14 June 2025, 19:30`, or without the time for a date-only value. */
function formatWallClock(wall: WallClock): string {
  const weekday = WEEKDAYS[new Date(Date.UTC(wall.year, wall.month - 1, wall.day)).getUTCDay()];
  const day = `${weekday} ${wall.day} ${MONTHS[wall.month - 1]} ${wall.year}`;
  if (wall.hour === undefined) return day;
  const pad = (n: number | undefined) => String(n ?? 0).padStart(2, '0');
  return `${day}, ${pad(wall.hour)}:${pad(wall.minute)}`;
}
