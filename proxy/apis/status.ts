// Errors as metav1.Status bodies: what every Kubernetes client knows how to show.
import type { Status } from '../../shared/api-types.ts';

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  408: 'Timeout',
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
