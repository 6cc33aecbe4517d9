// Errors as metav1.Status bodies, what every Kubernetes client knows how to show, and the code each
// failure of the metrics APIs (their own, Prometheus') is answered with.
import type { Status } from '../../shared/api-types.ts';
import { PrometheusError } from '../prometheus/client.ts';
import { UpstreamError } from '../upstream/client.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'Timeout',
  413: 'RequestEntityTooLarge',
  500: 'InternalError',
  502: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class ApiError extends Error {
  readonly code: number;
  readonly details: Status['details'];
  constructor(code: number, message: string, details?: Status['details']) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function statusBody(code: number, message: string, details?: Status['details']): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'),
    code,
    ...(details ? { details } : {}),
  };
}

/**
 * An error as the Status a client can act on. Prometheus failures: no connection 503 (retry later),
 * no answer within the deadline 504, an answer that is not the API's or a 5xx 502; a query Prometheus
 * refuses is the rule's fault, 500.
 */
export function toStatus(e: unknown): {
  status: number;
  message: string;
  details?: Status['details'];
  headers?: Record<string, string>;
} {
  if (e instanceof ApiError)
    return {
      status: e.code,
      message: e.message,
      ...(e.details ? { details: e.details } : {}),
      ...codeHeaders(e.code),
    };
  // An upstream's own code when it sent a Status (403, 404…), 502 for its 5xx, 503/504 as for Prometheus.
  if (e instanceof UpstreamError)
    return {
      status: e.code,
      message: e.message,
      ...(e.code === 503 ? { headers: { 'retry-after': '1' } } : {}),
    };
  if (e instanceof PrometheusError) {
    if (e.errorType === 'unreachable')
      return { status: 503, message: e.message, headers: { 'retry-after': '1' } };
    if (e.errorType === 'timeout') return { status: 504, message: e.message };
    if (e.errorType === 'bad_response' || e.status >= 500) return { status: 502, message: e.message };
    return { status: 500, message: e.message };
  }
  return { status: 500, message: `internal error: ${(e as Error).message}` };
}

/** 405 names the one method served; 503 (a stale resource-metrics snapshot, no discovery) asks to retry. */
function codeHeaders(code: number): { headers?: Record<string, string> } {
  if (code === 405) return { headers: { allow: 'GET' } };
  return code === 503 ? { headers: { 'retry-after': '1' } } : {};
}
