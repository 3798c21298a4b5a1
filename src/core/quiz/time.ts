import { editDistance } from "../edit-distance.js";

/** "HH:MM", 24-hour clock: how a daily time is stored. */
export const clockTime = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** A typed 24-hour time, "9:00" or "09:00", as "HH:MM"; undefined for anything else ("25:00", "9:5", "9am"). */
export function parseClockTime(text: string): string | undefined {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return undefined;
  const normalised = `${match[1]!.padStart(2, "0")}:${match[2]}`;
  return clockTime.test(normalised) ? normalised : undefined;
}

/**
 * Zones people know, by their current IANA names (the time zone database renamed Kiev to Kyiv, Calcutta to
 * Kolkata, Saigon to Ho_Chi_Minh; ICU still lists the old names), offered first in suggestions.
 */
const WELL_KNOWN_ZONES = [
  "Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
  "America/Halifax", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "Atlantic/Azores", "UTC", "Europe/London",
  "Europe/Lisbon", "Africa/Lagos", "Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Warsaw",
  "Africa/Johannesburg", "Africa/Cairo", "Europe/Athens", "Europe/Kyiv", "Europe/Helsinki", "Europe/Istanbul",
  "Europe/Moscow", "Africa/Nairobi", "Asia/Dubai", "Asia/Tehran", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu",
  "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Ho_Chi_Minh", "Asia/Shanghai", "Asia/Singapore", "Asia/Hong_Kong",
  "Australia/Perth", "Asia/Tokyo", "Asia/Seoul", "Australia/Adelaide", "Australia/Sydney", "Pacific/Auckland",
];

/** Whether Intl (and so the schedule) knows the zone `name`, under this or another of its names. */
function knownZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** "europe/kyiv" → "Europe/Kyiv", "cet" → "CET", "etc/gmt-2" → "Etc/GMT-2": the spelling of the database. */
function zoneSpelling(typed: string): string {
  if (!typed.includes("/")) return typed.length <= 7 ? typed.toUpperCase() : typed;
  return typed
    .split("/")
    .map((part, index, parts) => (parts[0]!.toLowerCase() === "etc" && index > 0 ? part.toUpperCase() : part.replace(/[^_-]+/g, (word) => word[0]!.toUpperCase() + word.slice(1).toLowerCase())))
    .join("/");
}

/**
 * The IANA name of `input` (any case, spaces for underscores) as the admin typed it, or undefined. Intl
 * accepts more names than it lists, and would report a current name (Europe/Kyiv) by its deprecated link
 * (Europe/Kiev): so the name is kept as typed, in the database's spelling, once Intl accepts it.
 */
export function timeZoneName(input: string): string | undefined {
  const typed = input.trim().replace(/ /g, "_");
  const listed = [...WELL_KNOWN_ZONES, ...Intl.supportedValuesOf("timeZone")].find((zone) => zone.toLowerCase() === typed.toLowerCase());
  const name = listed ?? zoneSpelling(typed);
  return knownZone(name) ? name : undefined;
}

/** An offset typed for a zone, "UTC+2", "GMT-05:30", "+3", in minutes east of UTC; undefined for anything else. */
export function parseUtcOffset(input: string): number | undefined {
  const match = /^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$/i.exec(input.trim());
  if (!match) return undefined;
  const minutes = Number(match[2]) * 60 + Number(match[3] ?? 0);
  return minutes > 14 * 60 ? undefined : match[1] === "+" ? minutes : -minutes;
}

/** Zones whose clocks are `offsetMinutes` ahead of UTC at `instant`, well-known ones first. */
export function zonesAtOffset(offsetMinutes: number, instant: number, limit = 4): string[] {
  const candidates = [...new Set([...WELL_KNOWN_ZONES, ...Intl.supportedValuesOf("timeZone").filter((zone) => zone.includes("/") && !zone.startsWith("Etc/"))])];
  return candidates.filter((zone) => utcOffset(instant, zone) === offsetMinutes * 60_000).slice(0, limit);
}

/** A sentence for an offset typed where a zone was asked for: why a zone is better, and zones to pick. */
export function offsetAnswer(typed: string, offsetMinutes: number, instant: number): string {
  const zones = zonesAtOffset(offsetMinutes, instant);
  const fixed = offsetMinutes % 60 === 0 && offsetMinutes !== 0 ? ` (If you really want a fixed offset all year, \`Etc/GMT${offsetMinutes > 0 ? "-" : "+"}${Math.abs(offsetMinutes / 60)}\` is one; its sign is reversed, as POSIX has it.)` : "";
  const now = zones.length > 0 ? ` Zones at that offset right now: ${zones.join(", ")}.` : "";
  return `"${typed}" is an offset, not a time zone: places change their offset for summer time, and a zone follows those changes so the quiz stays at the same local time. Give your city's zone instead.${now}${fixed}`;
}

/** The valid time zone names nearest to what was typed, by whole name or by city ("Madird" finds Europe/Madrid), current names first. */
export function closestTimeZones(input: string, limit = 3): string[] {
  const typed = input.trim().replace(/ /g, "_").toLowerCase();
  const distance = (zone: string) => {
    const name = zone.toLowerCase();
    return Math.min(editDistance(typed, name), editDistance(typed, name.slice(name.lastIndexOf("/") + 1)));
  };
  const wellKnown = new Set(WELL_KNOWN_ZONES);
  return [...new Set([...WELL_KNOWN_ZONES, ...Intl.supportedValuesOf("timeZone")])]
    .map((zone) => ({ zone, distance: distance(zone) }))
    .sort((a, b) => a.distance - b.distance || Number(wellKnown.has(b.zone)) - Number(wellKnown.has(a.zone)) || a.zone.localeCompare(b.zone))
    .slice(0, limit)
    .map(({ zone }) => zone);
}

/** Building an Intl formatter costs far more than using one; the start-up catch-up formats for every server. */
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: "date" | "clock", timeZone: string): Intl.DateTimeFormat {
  const key = `${kind} ${timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    found = kind === "date"
      ? new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
      : new Intl.DateTimeFormat("en-GB", { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
    formatters.set(key, found);
  }
  return found;
}

/** The calendar date ("2026-03-29") at `instant` in `timeZone`. */
export function localDate(instant: number, timeZone: string): string {
  return formatter("date", timeZone).format(instant);
}

/** The wall-clock time ("09:00") at `instant` in `timeZone`. */
export function localClock(instant: number, timeZone: string): string {
  return formatter("clock", timeZone).format(instant);
}

/** The calendar date after `date` ("2026-03-31" → "2026-04-01"). */
export function nextDate(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + 1);
  return day.toISOString().slice(0, 10);
}

/** How far (ms, whole minutes) the wall clock of `timeZone` is ahead of UTC at `instant`. */
function utcOffset(instant: number, timeZone: string): number {
  const minute = instant - (((instant % 60_000) + 60_000) % 60_000);
  return Date.parse(`${localDate(instant, timeZone)}T${localClock(instant, timeZone)}:00Z`) - minute;
}

/**
 * The instant (ms) the wall clock of `timeZone` shows `time` ("HH:MM") on `date`. A time skipped by
 * a DST change (02:30 when clocks jump from 02:00 to 03:00) comes out an hour later, as cron does;
 * a time that happens twice gives the first.
 */
export function localInstant(date: string, time: string, timeZone: string): number {
  const wall = Date.parse(`${date}T${time}:00Z`);
  // The instant is within 14 hours of `wall` read as UTC; a day either side, the offsets before and after any DST change.
  const before = wall - utcOffset(wall - 86_400_000, timeZone);
  const after = wall - utcOffset(wall + 86_400_000, timeZone);
  for (const candidate of [before, after].sort((a, b) => a - b)) {
    if (candidate + utcOffset(candidate, timeZone) === wall) return candidate;
  }
  // In a gap: the wall time never happens; the instant at the offset before the jump shows it an hour later.
  return Math.max(before, after);
}

/** ISO week of a calendar date, e.g. "2026-W13": leaderboards reset on Mondays. */
export function isoWeek(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  const weekday = day.getUTCDay() || 7;
  day.setUTCDate(day.getUTCDate() + 4 - weekday); // the Thursday of this week decides its year
  const yearStart = Date.UTC(day.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((day.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

/** The cron pattern of a daily time; with the server's `tz`, BullMQ keeps it at that local time across DST changes. */
export function dailyPattern(time: string): string {
  const [, hours, minutes] = clockTime.exec(time)!;
  return `${Number(minutes)} ${Number(hours)} * * *`;
}

/** "12h", "90m", "1h30m" in minutes, or undefined. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(?:(\d{1,2})\s*h)?\s*(?:(\d{1,4})\s*m)?\s*$/i.exec(text);
  if (!match || (match[1] === undefined && match[2] === undefined)) return undefined;
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

export function formatMinutes(minutes: number): string {
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return [hours > 0 ? `${hours}h` : "", rest > 0 ? `${rest}m` : ""].join("") || "0m";
}
