// Go's time.Duration string form ("1m30s", "500ms", "2h"), used by prometheus-adapter flags and config.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** Parses a Go or Prometheus duration ("1m30s", "15s", "5m", "1d") into milliseconds. */
export function parseDuration(text: string): number {
  const s = text.trim();
  if (s === '0') return 0;
  const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w|y)/y;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    part.lastIndex = pos;
    const m = part.exec(s);
    if (!m) break;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = part.lastIndex;
  }
  if (pos === 0 || pos !== s.length) {
    throw new Error(`invalid duration "${text}": use a number and a unit, such as 30s, 5m or 1h30m`);
  }
  return total;
}

/** Formats milliseconds as Go's Duration.String() does ("1m0s", "15.012s", "500ms"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  if (rest < 1000) {
    if (rest >= 1) return `${sign}${trimFloat(rest)}ms`;
    if (rest >= 1e-3) return `${sign}${trimFloat(rest * 1e3)}µs`;
    return `${sign}${trimFloat(rest * 1e6)}ns`;
  }
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const sec = `${trimFloat(rest / 1000)}s`;
  if (h > 0) return `${sign}${h}h${m}m${sec}`;
  if (m > 0) return `${sign}${m}m${sec}`;
  return `${sign}${sec}`;
}

function trimFloat(v: number): string {
  return String(Number(v.toFixed(9)));
}

/** Go's duration without the zero units it ends with, as people say it: 24h, 1h30m, 5m, 1m30s, 15s. */
export function shortDuration(ms: number): string {
  return formatGoDuration(ms)
    .replace(/([hm])0s$/, '$1')
    .replace(/h0m$/, 'h');
}

/** RFC 3339 in UTC as the API server writes times: milliseconds only when not whole. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}
