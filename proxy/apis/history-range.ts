// The time range of a history request: `start`, `end` and `step`, read as Prometheus' range-query
// API reads them (prometheus web/api/v1/api.go parseTime, parseDuration), and bounded by the
// proxy's --history-max-points and --history-max-range.
import { isoTime, parseDuration, shortDuration } from '../../shared/duration.ts';
import type { QueryRange } from '../prometheus/client.ts';
import { ApiError } from './status.ts';

/** The flags that bound a history request. */
export interface HistoryLimits {
  /** Points of one series: (end - start) / step + 1. */
  maxPoints: number;
  maxRangeMs: number;
}

const DEFAULT_SPAN_MS = 3_600_000;
const DEFAULT_STEP_MS = 15_000;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const UNIX_SECONDS = /^\d+(\.\d+)?$/;

/** The range asked for, `nowMs` the end when none is given; 400 naming the parameter when it is not usable. */
export function historyRange(query: URLSearchParams, limits: HistoryLimits, nowMs: number): QueryRange {
  const endMs = timeParam(query, 'end') ?? nowMs;
  const startMs = timeParam(query, 'start') ?? endMs - DEFAULT_SPAN_MS;
  const stepMs = stepParam(query);
  if (startMs > endMs) {
    throw new ApiError(
      400,
      `start ${isoTime(startMs)} is after end ${isoTime(endMs)}: give a start before the end`,
    );
  }
  const spanMs = endMs - startMs;
  if (spanMs > limits.maxRangeMs) {
    throw new ApiError(
      400,
      `start to end spans ${shortDuration(spanMs)}, more than the ${shortDuration(limits.maxRangeMs)} allowed (--history-max-range): ask for a shorter range`,
    );
  }
  const points = Math.floor(spanMs / stepMs) + 1;
  if (points > limits.maxPoints) {
    const minStepS = Math.ceil(spanMs / Math.max(1, limits.maxPoints - 1) / 1000);
    throw new ApiError(
      400,
      `step ${shortDuration(stepMs)} over ${shortDuration(spanMs)} gives ${points} points, more than the ${limits.maxPoints} allowed (--history-max-points): use step ≥ ${shortDuration(minStepS * 1000)}`,
    );
  }
  return { startMs, endMs, stepMs };
}

function timeParam(query: URLSearchParams, key: 'start' | 'end'): number | undefined {
  const raw = query.get(key);
  if (raw === null || raw === '') return undefined;
  const text = raw.trim();
  const ms = UNIX_SECONDS.test(text)
    ? Number(text) * 1000
    : RFC3339.test(text)
      ? Date.parse(text)
      : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ApiError(
      400,
      `${key} "${raw}" is not a time: give RFC 3339 (2026-12-07T03:00:00Z) or Unix seconds (1796612400)`,
    );
  }
  return ms;
}

/** A duration (`15s`, `1m30s`) or, as Prometheus also takes, a number of seconds. */
function stepParam(query: URLSearchParams): number {
  const raw = query.get('step');
  if (raw === null || raw === '') return DEFAULT_STEP_MS;
  let ms = Number.NaN;
  if (UNIX_SECONDS.test(raw.trim())) ms = Number(raw) * 1000;
  else {
    try {
      ms = parseDuration(raw);
    } catch {
      // Said below, with the parameter's name.
    }
  }
  if (Number.isNaN(ms)) {
    throw new ApiError(400, `step "${raw}" is not a duration: give one such as 15s, 1m or 1h`);
  }
  if (ms <= 0) throw new ApiError(400, `step must be longer than 0s, not "${raw}"`);
  return ms;
}
