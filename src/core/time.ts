/** Local-time formatting for the journal and the ledger's days. Pure: the caller passes the instant. */

const pad = (n: number) => String(n).padStart(2, "0");

/** YYYY-MM-DD in local time. */
export function localDay(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** YYYY-MM-DD HH:MM in local time. */
export function localMinute(d: Date): string {
  return `${localDay(d)} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** YYYY-MM-DD HH:MM:SS in local time. */
export function localSecond(d: Date): string {
  return `${localMinute(d)}:${pad(d.getSeconds())}`;
}

/** The local time zone at `d`, for the prompt: its UTC offset and, when the runtime knows it, its name. */
export function timeZoneOf(d: Date, name = Intl.DateTimeFormat().resolvedOptions().timeZone): string {
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  const utc = `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
  return name ? `${utc}, ${name}` : utc;
}

/** One journal line: `- YYYY-MM-DD HH:MM <text>`, newlines in the text folded to spaces. */
export function journalLine(now: Date, text: string): string {
  const oneLine = text.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return `- ${localMinute(now)} ${oneLine}\n`;
}
