import { describe, expect, it } from 'vitest';
import { ApiError, statusBody, toStatus } from '../../../proxy/apis/status.ts';
import { PrometheusError } from '../../../proxy/prometheus/client.ts';

describe('statusBody', () => {
  it.each<[number, string]>([
    [400, 'BadRequest'],
    [401, 'Unauthorized'],
    [403, 'Forbidden'],
    [404, 'NotFound'],
    [405, 'MethodNotAllowed'],
    [406, 'NotAcceptable'],
    [500, 'InternalError'],
    [502, 'InternalError'],
    [503, 'ServiceUnavailable'],
    [504, 'Timeout'],
    // Codes without a reason of their own fall back by class.
    [409, 'BadRequest'],
    [422, 'BadRequest'],
    [501, 'InternalError'],
    [599, 'InternalError'],
  ])('%i → reason %s', (code, reason) => {
    expect(statusBody(code, 'something happened')).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'something happened',
      reason,
      code,
    });
  });

  it('carries details when given', () => {
    const body = statusBody(503, 'Prometheus is down', {
      retryAfterSeconds: 5,
      group: 'custom.metrics.k8s.io',
    });
    expect(body.details).toEqual({ retryAfterSeconds: 5, group: 'custom.metrics.k8s.io' });
    expect(body.reason).toBe('ServiceUnavailable');
  });

  it('has no details key without details', () => {
    expect(Object.keys(statusBody(404, 'gone'))).not.toContain('details');
  });
});

describe('ApiError', () => {
  it.each<[number, string]>([
    [400, 'bad selector'],
    [404, 'no such metric'],
    [503, 'try later'],
  ])('keeps code %i and message %j', (code, message) => {
    const e = new ApiError(code, message, { name: 'web-1' });
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe(code);
    expect(e.message).toBe(message);
    expect(e.details).toEqual({ name: 'web-1' });
  });
});

describe('toStatus', () => {
  it.each<[string, unknown, ReturnType<typeof toStatus>]>([
    ['ApiError', new ApiError(404, 'no such metric'), { status: 404, message: 'no such metric' }],
    [
      'ApiError 405',
      new ApiError(405, 'read-only'),
      { status: 405, message: 'read-only', headers: { allow: 'GET' } },
    ],
    [
      'ApiError 503',
      new ApiError(503, 'resource metrics not evaluated yet'),
      { status: 503, message: 'resource metrics not evaluated yet', headers: { 'retry-after': '1' } },
    ],
    [
      'no connection',
      new PrometheusError('connect ECONNREFUSED', 0, 'unreachable'),
      { status: 503, message: 'connect ECONNREFUSED', headers: { 'retry-after': '1' } },
    ],
    ['no answer in time', new PrometheusError('late', 504, 'timeout'), { status: 504, message: 'late' }],
    [
      'not the API',
      new PrometheusError('not JSON', 502, 'bad_response'),
      { status: 502, message: 'not JSON' },
    ],
    [
      'a Prometheus 5xx',
      new PrometheusError('unavailable', 503, 'unavailable'),
      { status: 502, message: 'unavailable' },
    ],
    [
      'a query refused',
      new PrometheusError('parse error', 400, 'bad_data'),
      { status: 500, message: 'parse error' },
    ],
    ['anything else', new Error('boom'), { status: 500, message: 'internal error: boom' }],
  ])('%s', (_what, error, want) => {
    expect(toStatus(error)).toEqual(want);
  });
});
