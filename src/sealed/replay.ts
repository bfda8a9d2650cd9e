/**
 * The pure half of sealed-request replay protection (RFC 9458 section 6.5): the inner request's
 * `Date` must be within OHTTP_WINDOW_SECONDS of the gateway's clock, and (the store's half, a port
 * for later) each `enc` is accepted once within that window on all instances. A request older than
 * the window cannot be replayed because its Date is refused, so the store need only remember each
 * enc for the window (twice the window covers clocks on both sides).
 *
 * HTTP-date (RFC 9110 section 5.6.7): recipients MUST accept all three formats, IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form ("Sunday, 06-Nov-94 08:49:37 GMT")
 * and asctime ("Sun Nov  6 08:49:37 1994"). Parsed strictly (Date.parse accepts far more); a
 * day name that does not match the date is tolerated, as the RFC does not ask to check it.
 * @module
 */
import type { FieldLines } from './bhttp.ts';

const MONTHS = Object.freeze(['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']);
const MONTH = `(${MONTHS.join('|')})`;
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
const RFC850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

function at(year: number, month: string, day: number, h: string, m: string, s: string): number | undefined {
  const mon = MONTHS.indexOf(month);
  const [hh, mm, ss] = [Number(h), Number(m), Number(s)];
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  const ms = Date.UTC(year, mon, day, hh, mm, Math.min(ss, 59));
  // Date.UTC rolls 31 Feb over into March: refuse dates that do not exist.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/** Milliseconds since the epoch of an HTTP-date, or undefined when it is not one. */
export function parseHttpDate(value: string): number | undefined {
  let m = IMF_FIXDATE.exec(value);
  if (m) return at(Number(m[3]), m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  m = RFC850.exec(value);
  if (m) {
    // RFC 9110: a two-digit year more than 50 years in the future is in the past century.
    const now = new Date().getUTCFullYear();
    let year = Math.floor(now / 100) * 100 + Number(m[3]);
    if (year > now + 50) year -= 100;
    return at(year, m[2]!, Number(m[1]), m[4]!, m[5]!, m[6]!);
  }
  m = ASCTIME.exec(value);
  if (m) return at(Number(m[6]), m[1]!, Number(m[2]!.trim()), m[3]!, m[4]!, m[5]!);
  return undefined;
}

/** Whether a request dated `dateMs` is within `windowSeconds` of `nowMs`, either side. */
export function isWithinWindow(dateMs: number, nowMs: number, windowSeconds: number): boolean {
  return Math.abs(nowMs - dateMs) <= windowSeconds * 1000;
}

/**
 * Whether an inner request's headers carry exactly one `date` that is an HTTP-date within the
 * window. No Date, two Dates, or an unparsable one: false (the uniform refusal).
 */
export function isFreshRequest(headers: FieldLines, nowMs: number, windowSeconds: number): boolean {
  const dates = headers.filter(([name]) => name === 'date');
  if (dates.length !== 1) return false;
  const ms = parseHttpDate(dates[0]![1]);
  return ms !== undefined && isWithinWindow(ms, nowMs, windowSeconds);
}
