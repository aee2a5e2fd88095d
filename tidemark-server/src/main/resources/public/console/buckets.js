// Bucket arithmetic the console needs to explain things before the server does them: where a rewind truncates
// to (docs/rollups.md: fixed widths aligned to the Unix epoch; calendar units from the first instant of their first
// local day in the rollup's zone), and bucket widths to pick a History source. The server stays the authority.

/** Seconds of an ISO-8601 duration with days, hours, minutes, seconds (P7D, PT1H30M, PT0.5S); NaN otherwise. */
export function durationSeconds(iso) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(iso || '');
  if (!m || iso === 'P' || iso.endsWith('T')) return NaN;
  return (+(m[1] || 0)) * 86400 + (+(m[2] || 0)) * 3600 + (+(m[3] || 0)) * 60 + (+(m[4] || 0));
}

const CALENDAR = {DAY: 86400, ISO_WEEK: 7 * 86400, MONTH: 30.44 * 86400, QUARTER: 91.3 * 86400, YEAR: 365.25 * 86400};

/** A rollup's bucket: {unit, zone, seconds} for DAY@Zone …, {seconds} for a fixed width. */
export function parseBucket(bucket) {
  const [unit, zone] = bucket.split('@');
  if (CALENDAR[unit]) return {unit, zone: zone || 'UTC', seconds: CALENDAR[unit]};
  return {seconds: durationSeconds(unit)};
}

/** The bucket boundary at or before the instant (ms since the epoch), as ms since the epoch. */
export function floorToBucket(bucket, ms) {
  const b = parseBucket(bucket);
  if (!b.unit) {
    const w = b.seconds * 1000;
    return Math.floor(ms / w) * w;
  }
  const p = localParts(ms, b.zone);
  let {year, month, day} = p;
  if (b.unit === 'ISO_WEEK') {
    const dow = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7; // Monday = 0
    const d = new Date(Date.UTC(year, month - 1, day - dow));
    year = d.getUTCFullYear(); month = d.getUTCMonth() + 1; day = d.getUTCDate();
  } else if (b.unit === 'MONTH') {
    day = 1;
  } else if (b.unit === 'QUARTER') {
    day = 1; month = month - (month - 1) % 3;
  } else if (b.unit === 'YEAR') {
    day = 1; month = 1;
  }
  return startOfLocalDay(year, month, day, b.zone);
}

function localParts(ms, zone) {
  const f = new Intl.DateTimeFormat('en-CA', {timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23'});
  const o = {};
  for (const part of f.formatToParts(new Date(ms))) o[part.type] = +part.value;
  return o;
}

/** Offset of the zone at instant ms, in ms (local = utc + offset). */
function offsetAt(ms, zone) {
  const p = localParts(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/**
 * The first instant of a local day: local midnight, or the first valid local time after it when midnight falls
 * in a gap (java.time's atStartOfDay).
 */
function startOfLocalDay(year, month, day, zone) {
  const localMidnight = Date.UTC(year, month - 1, day);
  // Try the offsets in effect around that day; keep the earliest instant whose local date is that day.
  const candidates = [-36, -12, 0, 12, 36].map(hours => localMidnight - offsetAt(localMidnight + hours * 3600e3, zone));
  let best = null;
  for (const c of candidates) {
    const p = localParts(c, zone);
    const sameDay = p.year === year && p.month === month && p.day === day;
    if (sameDay && (best === null || c < best)) best = c;
  }
  if (best === null) return localMidnight - offsetAt(localMidnight, zone);
  // Midnight in a gap: walk back while the previous minute is still that day.
  while (true) {
    const p = localParts(best - 60e3, zone);
    if (!(p.year === year && p.month === month && p.day === day)) return best;
    best -= 60e3;
  }
}
