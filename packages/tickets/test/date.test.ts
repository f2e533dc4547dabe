import { describe, expect, it } from 'vitest';
import { parseEventDate } from '../src/date.js';

/** The date printed on a ticket, whatever the machine's time zone and ICU version. */
describe('event dates as printed', () => {
  it.each([
    ['2025-06-14T19:30:00+02:00', 'UTC', 'Saturday 14 June 2025, 19:30'],
    ['2025-06-14T19:30', 'Europe/Paris', 'Saturday 14 June 2025, 19:30'],
    ['2025-06-14', 'Asia/Kolkata', 'Saturday 14 June 2025'],
    ['2024-02-29 00:05Z', 'UTC', 'Thursday 29 February 2024, 00:05'],
    ['1000-01-01T23:59:59.5-05:30', 'UTC', 'Wednesday 1 January 1000, 23:59'],
    ['9999-12-31', 'UTC', 'Friday 31 December 9999'],
  ])('prints the string %s as written (time zone %s)', (value, zone, text) => {
    expect(parseEventDate(value, zone).text).toBe(text);
  });

  it.each([
    ['2025-12-31T23:30:00Z', 'UTC', 'Wednesday 31 December 2025, 23:30'],
    ['2025-12-31T23:30:00Z', 'Europe/Paris', 'Thursday 1 January 2026, 00:30'],
    ['1977-04-28T01:49:00Z', 'America/St_Johns', 'Wednesday 27 April 1977, 23:19'],
    ['1984-08-23T10:51:00Z', 'Pacific/Chatham', 'Thursday 23 August 1984, 23:36'],
    ['2025-03-30T01:00:00Z', 'Europe/London', 'Sunday 30 March 2025, 02:00'],
  ])('prints the Date %s in the time zone %s', (iso, zone, text) => {
    expect(parseEventDate(new Date(iso), zone).text).toBe(text);
  });
});
