// snapshot.ts parseSnapshot: the snapshot's own fields checked when it is loaded, each defect one
// InvalidField naming its JSON path and what belongs there (docs/hpa-snapshot.md).

import { describe, expect, it } from 'vitest';
import { InvalidField } from '../../../plugin/hpa/fields.ts';
import { type HPASnapshot, parseSnapshot } from '../../../plugin/hpa/snapshot.ts';
import { ok, PODS_PATH, podsMetricList, snapshot } from './builder.ts';

/** A snapshot as a file holds it, with every optional field set. */
function good(): Record<string, unknown> {
  const s: HPASnapshot = {
    ...snapshot({
      hpa: { spec: { maxReplicas: 5, metrics: [] } },
      spec: 2,
      metrics: [
        ok(PODS_PATH, podsMetricList([500, 500])),
        null,
        { path: '/x', error: { code: 503, message: 'down' } },
      ],
      events: { kind: 'EventList', items: [] },
      serverVersion: 'v1.37.2',
      controller: { podLevelResources: true, scaleToZero: false },
    }),
    conflictingHPAs: ['api'],
    diagnosis: {
      apiServices: { path: '/apis/apiregistration.k8s.io/v1/apiservices', body: { items: [] } },
      discovery: {
        'custom.metrics.k8s.io/v1beta2': { path: '/apis/custom.metrics.k8s.io/v1beta2', body: {} },
      },
    },
  };
  return JSON.parse(JSON.stringify(s));
}

/** `good()` with one change made by `edit`. */
function withDefect(edit: (s: Record<string, unknown>) => void): Record<string, unknown> {
  const s = good();
  edit(s);
  return s;
}

const field = (s: Record<string, unknown>, key: string) => s[key] as Record<string, unknown>;

function invalid(doc: unknown): InvalidField | string {
  try {
    parseSnapshot(doc);
  } catch (e) {
    if (e instanceof InvalidField) return e;
    throw e;
  }
  return 'accepted';
}

describe('parseSnapshot', () => {
  it('accepts a snapshot with every field, and the least one', () => {
    expect(parseSnapshot(good())).toEqual(good());
    const least = withDefect((s) => {
      for (const key of ['serverVersion', 'scale', 'pods', 'events', 'conflictingHPAs', 'diagnosis'])
        delete s[key];
      delete field(s, 'controller').podLevelResources;
      delete field(s, 'controller').scaleToZero;
      s.metrics = [];
      s.hpa = { path: '/h', error: { code: 0, message: 'connection refused' } };
    });
    expect(invalid(least)).toBe('accepted');
  });

  it.each<[string, unknown, string, string]>([
    [
      'an array instead of an object',
      [],
      '',
      'expected an HPA snapshot (apiVersion cmetrics.io/v1alpha1, kind HPASnapshot), got an array',
    ],
    [
      'null',
      null,
      '',
      'expected an HPA snapshot (apiVersion cmetrics.io/v1alpha1, kind HPASnapshot), got null',
    ],
    [
      'another document',
      { apiVersion: 'v1', kind: 'Pod' },
      '',
      'not an HPA snapshot (want apiVersion cmetrics.io/v1alpha1, kind HPASnapshot)',
    ],
    [
      'an unknown field',
      withDefect((s) => {
        s.metric = [];
      }),
      'metric',
      'metric: unknown field (did you mean metrics?); the fields are apiVersion, kind, takenAt, serverVersion, controller, hpa, scale, pods, metrics, events, conflictingHPAs, diagnosis',
    ],
    [
      'no takenAt',
      withDefect((s) => {
        delete s.takenAt;
      }),
      'takenAt',
      'takenAt: expected an RFC 3339 time, but it is missing',
    ],
    [
      'a takenAt that is not a time',
      withDefect((s) => {
        s.takenAt = 'yesterday';
      }),
      'takenAt',
      'takenAt: expected an RFC 3339 time, got "yesterday"',
    ],
    [
      'a serverVersion that is a number',
      withDefect((s) => {
        s.serverVersion = 1.37;
      }),
      'serverVersion',
      'serverVersion: expected a string such as "v1.37.2", got 1.37',
    ],
    [
      'no controller',
      withDefect((s) => {
        delete s.controller;
      }),
      'controller',
      'controller: expected an object (the controller settings), but it is missing',
    ],
    [
      'a tolerance that is a string',
      withDefect((s) => {
        field(s, 'controller').tolerance = '0.1';
      }),
      'controller.tolerance',
      'controller.tolerance: expected a number, got "0.1"',
    ],
    [
      'a setting missing',
      withDefect((s) => {
        delete field(s, 'controller').syncPeriodSeconds;
      }),
      'controller.syncPeriodSeconds',
      'controller.syncPeriodSeconds: expected a number, but it is missing',
    ],
    [
      'a gate that is a string',
      withDefect((s) => {
        field(s, 'controller').scaleToZero = 'yes';
      }),
      'controller.scaleToZero',
      'controller.scaleToZero: expected true or false, got "yes"',
    ],
    [
      'a misspelt setting',
      withDefect((s) => {
        field(s, 'controller').tolerence = 0.2;
      }),
      'controller.tolerence',
      'controller.tolerence: unknown field (did you mean tolerance?); the fields are tolerance, cpuInitializationPeriodSeconds, initialReadinessDelaySeconds, downscaleStabilizationSeconds, syncPeriodSeconds, configurableTolerance, podLevelResources, scaleToZero',
    ],
    [
      'a null hpa',
      withDefect((s) => {
        s.hpa = null;
      }),
      'hpa',
      'hpa: expected a Fetched object ({path, body} or {path, error}), got null',
    ],
    [
      'no hpa',
      withDefect((s) => {
        delete s.hpa;
      }),
      'hpa',
      'hpa: expected a Fetched object ({path, body} or {path, error}), but it is missing',
    ],
    [
      'an hpa without a path',
      withDefect((s) => {
        delete field(s, 'hpa').path;
      }),
      'hpa.path',
      'hpa.path: expected a string, but it is missing',
    ],
    [
      'an hpa with neither body nor error',
      withDefect((s) => {
        s.hpa = { path: '/h' };
      }),
      'hpa',
      'hpa: expected a body or an error, but it has neither',
    ],
    [
      'an hpa with both',
      withDefect((s) => {
        field(s, 'hpa').error = { code: 500, message: 'x' };
      }),
      'hpa',
      'hpa: expected a body or an error, but it has both',
    ],
    [
      'a body that is a string',
      withDefect((s) => {
        field(s, 'scale').body = 'Scale';
      }),
      'scale.body',
      'scale.body: expected an object, got "Scale"',
    ],
    [
      'a null body',
      withDefect((s) => {
        field(s, 'pods').body = null;
      }),
      'pods.body',
      'pods.body: expected an object, got null',
    ],
    [
      'a null scale',
      withDefect((s) => {
        s.scale = null;
      }),
      'scale',
      'scale: expected a Fetched object ({path, body} or {path, error}), got null',
    ],
    [
      'metrics not an array',
      withDefect((s) => {
        s.metrics = {};
      }),
      'metrics',
      'metrics: expected an array (one entry per hpa.spec.metrics[i]), got an object',
    ],
    [
      'no metrics',
      withDefect((s) => {
        delete s.metrics;
      }),
      'metrics',
      'metrics: expected an array (one entry per hpa.spec.metrics[i]), but it is missing',
    ],
    [
      'a metrics entry of another kind',
      withDefect((s) => {
        (s.metrics as unknown[])[1] = 'pods';
      }),
      'metrics[1]',
      'metrics[1]: expected a Fetched object ({path, body} or {path, error}), got "pods"',
    ],
    [
      'an error code that is a string',
      withDefect((s) => {
        ((s.metrics as Record<string, unknown>[])[2] as { error: { code: unknown } }).error.code = '503';
      }),
      'metrics[2].error.code',
      'metrics[2].error.code: expected an integer (the HTTP status, 0 when unreachable), got "503"',
    ],
    [
      'an error code that is a fraction',
      withDefect((s) => {
        ((s.metrics as Record<string, unknown>[])[2] as { error: { code: unknown } }).error.code = 503.5;
      }),
      'metrics[2].error.code',
      'metrics[2].error.code: expected an integer (the HTTP status, 0 when unreachable), got 503.5',
    ],
    [
      'an error without a message',
      withDefect((s) => {
        s.hpa = { path: '/h', error: { code: 404 } };
      }),
      'hpa.error.message',
      'hpa.error.message: expected a string, but it is missing',
    ],
    [
      'an error with an unknown field',
      withDefect((s) => {
        s.hpa = { path: '/h', error: { code: 404, message: 'x', reason: 'NotFound' } };
      }),
      'hpa.error.reason',
      'hpa.error.reason: unknown field; the fields are code, message',
    ],
    [
      'a Fetched with an unknown field',
      withDefect((s) => {
        field(s, 'events').Body = {};
      }),
      'events.Body',
      'events.Body: unknown field (did you mean body?); the fields are path, body, error',
    ],
    [
      'conflictingHPAs not an array',
      withDefect((s) => {
        s.conflictingHPAs = 'api';
      }),
      'conflictingHPAs',
      'conflictingHPAs: expected an array of HPA names, got "api"',
    ],
    [
      'a conflicting HPA that is not a name',
      withDefect((s) => {
        s.conflictingHPAs = ['api', 3];
      }),
      'conflictingHPAs[1]',
      'conflictingHPAs[1]: expected a string, got 3',
    ],
    [
      'a diagnosis that is an array',
      withDefect((s) => {
        s.diagnosis = [];
      }),
      'diagnosis',
      'diagnosis: expected an object {apiServices, discovery}, got an array',
    ],
    [
      'a discovery entry that is not a Fetched',
      withDefect((s) => {
        field(s, 'diagnosis').discovery = { 'external.metrics.k8s.io/v1beta1': true };
      }),
      'diagnosis.discovery["external.metrics.k8s.io/v1beta1"]',
      'diagnosis.discovery["external.metrics.k8s.io/v1beta1"]: expected a Fetched object ({path, body} or {path, error}), got true',
    ],
  ])('refuses %s', (_name, doc, path, message) => {
    const e = invalid(doc);
    expect(e).toBeInstanceOf(InvalidField);
    expect([(e as InvalidField).path, (e as InvalidField).message]).toEqual([path, message]);
  });
});
