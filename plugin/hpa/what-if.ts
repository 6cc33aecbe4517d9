// What-if: the replay run again with the HPA spec changed (`--set PATH=VALUE`), so the two runs can be
// compared. Only what the controller reads can change, and of the metrics only their targets: the
// history holds the values of the HPA's own metrics. Every changed spec is read back as the
// controller reads it (objects.ts readHpa), so a change it would refuse is refused here.

import { parseQuantity } from '../../shared/quantity.ts';
import { closest } from '../../shared/text.ts';
import { InvalidField, isObject, type Json } from './fields.ts';
import { readHpa } from './objects.ts';
import { type Replay, type ReplayInput, replay } from './replay.ts';

/** A change of the spec that cannot be made: one line, naming the --set and the fix. */
export class InvalidChange extends Error {
  override name = 'InvalidChange';
}

/** The replay of the HPA as it is and with `sets` applied to its spec. */
export function whatIf(input: ReplayInput, sets: readonly string[]): WhatIf {
  const hpa = withChanges(input.hpa, sets, input.controller.downscaleStabilizationSeconds);
  return { sets: [...sets], hpa, actual: replay(input), changed: replay({ ...input, hpa }) };
}

/** The HPA object with `sets` (PATH=VALUE) applied to a copy of its spec, checked as the controller reads it. */
function withChanges(hpa: unknown, sets: readonly string[], downscaleWindowSeconds: number): unknown {
  const body = structuredClone(isObject(hpa) ? hpa : {}) as Json;
  const spec = isObject(body.spec) ? body.spec : {};
  body.spec = spec;
  for (const set of sets) {
    const { path, value } = parseSet(set);
    apply(spec, set, path, value);
  }
  // Checked once all are applied: a new policy takes three --set.
  const changes = `--set ${sets.join(' --set ')}`;
  let read: ReturnType<typeof readHpa>;
  try {
    read = readHpa(body, 'hpa', downscaleWindowSeconds);
  } catch (e) {
    if (e instanceof InvalidField) throw new InvalidChange(`${changes}: ${e.message.replace(/^hpa\./, '')}`);
    throw e;
  }
  if (read.maxReplicas < 1 || read.minReplicas > read.maxReplicas) {
    throw new InvalidChange(
      `${changes}: minReplicas ${read.minReplicas} and maxReplicas ${read.maxReplicas} leave no count to scale to; use 1 ≤ maxReplicas and minReplicas ≤ maxReplicas`,
    );
  }
  return body;
}

/** "behavior.scaleUp.policies[0].value=2" → path segments and the value text. */
function parseSet(set: string): { path: (string | number)[]; value: string } {
  const eq = set.indexOf('=');
  if (eq <= 0 || eq === set.length - 1) {
    throw new InvalidChange(
      `--set ${JSON.stringify(set)}: use PATH=VALUE, e.g. --set target=800m or --set minReplicas=3`,
    );
  }
  const text = set.slice(0, eq).replace(/^spec\./, '');
  const path: (string | number)[] = [];
  for (const part of text.split('.')) {
    const m = /^([A-Za-z]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new InvalidChange(`--set ${set}: "${part}" is no field name (use name or name[index])`);
    path.push(m[1] as string);
    for (const index of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) path.push(Number(index[1]));
  }
  return { path, value: set.slice(eq + 1) };
}

/** `target=V`: the first metric's target value, averageValue or averageUtilization, by its target type. */
function shorthandTarget(spec: Json, set: string): (string | number)[] {
  const first = Array.isArray(spec.metrics) ? (spec.metrics[0] as unknown) : undefined;
  if (!isObject(first)) {
    throw new InvalidChange(
      `--set ${set}: the HPA has no metric of its own (the default CPU target): set metrics[0] instead`,
    );
  }
  const source = SOURCES[String(first.type)] ?? '';
  const target = isObject(first[source]) ? (first[source] as Json).target : undefined;
  const type = isObject(target) ? target.type : undefined;
  const field =
    type === 'Utilization' ? 'averageUtilization' : type === 'AverageValue' ? 'averageValue' : 'value';
  return ['metrics', 0, source, 'target', field];
}

/** The field of a metric spec that holds each source type. */
const SOURCES: Record<string, string> = {
  Resource: 'resource',
  ContainerResource: 'containerResource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
};

function apply(spec: Json, set: string, given: (string | number)[], valueText: string): void {
  const path = given.length === 1 && given[0] === 'target' ? shorthandTarget(spec, set) : given;
  let schema: Schema = SPEC;
  let node: Json | unknown[] = spec;
  const where: string[] = [];
  for (let i = 0; i < path.length; i++) {
    const key = path[i] as string | number;
    const last = i === path.length - 1;
    if (schema.kind === 'list') {
      if (typeof key !== 'number')
        throw new InvalidChange(
          `--set ${set}: ${where.join('.')} is a list: give an index, e.g. ${where.join('.')}[0]`,
        );
      const list = node as unknown[];
      const appendable = schema.appendable;
      if (key > list.length || (key === list.length && !appendable)) {
        throw new InvalidChange(
          `--set ${set}: ${where.join('.')} has ${list.length} item${list.length === 1 ? '' : 's'}${appendable ? `; add one at index ${list.length}` : ''}`,
        );
      }
      where[where.length - 1] += `[${key}]`;
      schema = schema.item;
      if (last) throw new InvalidChange(`--set ${set}: name a field of ${where.join('.')}`);
      if (!isObject(list[key])) list[key] = {};
      node = list[key] as Json;
      continue;
    }
    if (schema.kind !== 'object' || typeof key !== 'string') {
      throw new InvalidChange(
        `--set ${set}: ${where.join('.')} has no ${typeof key === 'number' ? `index [${key}]` : 'fields'}`,
      );
    }
    const next: Schema | undefined = schema.fields[key];
    if (!next) {
      const hint = closest(key, Object.keys(schema.fields), 1)[0];
      const at = where.length ? where.join('.') : 'spec';
      throw new InvalidChange(
        `--set ${set}: ${at} has no field "${key}" the replay can change${hint ? ` (did you mean ${hint}?)` : ''}; the fields are ${Object.keys(schema.fields).join(', ')}`,
      );
    }
    const object = node as Json;
    // A metric's target is changed under the source its type names.
    if (where.length === 1 && where[0]?.startsWith('metrics[') && SOURCES[String(object.type)] !== key) {
      throw new InvalidChange(
        `--set ${set}: ${where[0]} is a ${String(object.type)} metric: its target is under ${SOURCES[String(object.type)] ?? 'its type'}`,
      );
    }
    where.push(key);
    if (last) {
      if (next.kind === 'object' || next.kind === 'list') {
        throw new InvalidChange(`--set ${set}: ${where.join('.')} is not a value: name one of its fields`);
      }
      object[key] = parseValue(next, valueText, set, where.join('.'));
      return;
    }
    if (next.kind === 'list' && !Array.isArray(object[key])) object[key] = [];
    else if (next.kind === 'object' && !isObject(object[key])) object[key] = {};
    node = object[key] as Json | unknown[];
    schema = next;
  }
}

function parseValue(schema: Schema, text: string, set: string, where: string): unknown {
  switch (schema.kind) {
    case 'int': {
      const v = text.replace(/%$/, '');
      if (!/^\d+$/.test(v) || Number(v) > 2 ** 31 - 1) {
        throw new InvalidChange(
          `--set ${set}: ${where} takes a whole number (0 or more), not ${JSON.stringify(text)}`,
        );
      }
      return Number(v);
    }
    case 'quantity':
      try {
        parseQuantity(text);
      } catch {
        throw new InvalidChange(
          `--set ${set}: ${where} takes a quantity such as 800m, 1.5 or 2Gi, not ${JSON.stringify(text)}`,
        );
      }
      return text;
    case 'enum':
      if (!schema.values.includes(text)) {
        throw new InvalidChange(
          `--set ${set}: ${where} takes one of ${schema.values.join(', ')}, not ${JSON.stringify(text)}`,
        );
      }
      return text;
    default:
      throw new InvalidChange(`--set ${set}: ${where} is not a value`);
  }
}

/** The fields of the spec the controller reads that a replay can change. */
type Schema =
  | { kind: 'int' }
  | { kind: 'quantity' }
  | { kind: 'enum'; values: string[] }
  | { kind: 'object'; fields: Record<string, Schema> }
  /** appendable: an item may be added at the end. */
  | { kind: 'list'; item: Schema; appendable: boolean };

const INT: Schema = { kind: 'int' };
const QUANTITY: Schema = { kind: 'quantity' };
const object = (fields: Record<string, Schema>): Schema => ({ kind: 'object', fields });
const TARGET = object({
  target: object({
    type: { kind: 'enum', values: ['Utilization', 'AverageValue', 'Value'] },
    averageUtilization: INT,
    averageValue: QUANTITY,
    value: QUANTITY,
  }),
});
const RULES = object({
  stabilizationWindowSeconds: INT,
  selectPolicy: { kind: 'enum', values: ['Max', 'Min', 'Disabled'] },
  tolerance: QUANTITY,
  policies: {
    kind: 'list',
    appendable: true,
    item: object({ type: { kind: 'enum', values: ['Pods', 'Percent'] }, value: INT, periodSeconds: INT }),
  },
});
const SPEC: Schema = object({
  minReplicas: INT,
  maxReplicas: INT,
  metrics: {
    kind: 'list',
    appendable: false,
    item: object(Object.fromEntries(Object.values(SOURCES).map((source) => [source, TARGET]))),
  },
  behavior: object({ scaleUp: RULES, scaleDown: RULES }),
});

export interface WhatIf {
  sets: string[];
  /** The HPA with the changes applied. */
  hpa: unknown;
  actual: Replay;
  changed: Replay;
}
