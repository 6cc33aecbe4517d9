import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CompiledConfig } from '../../../proxy/config/compile.ts';
import { LiveConfig } from '../../../proxy/config/live.ts';
import { createLogger } from '../../../proxy/log.ts';
import type { AdapterConfig } from '../../../proxy/rules/config.ts';

const rule = (metric: string) =>
  `- seriesQuery: '${metric}'\n  resources: {overrides: {pod: {resource: pod}}}\n  metricsQuery: '${metric}'\n`;

/** Compiles to a stand-in that records which config it came from. */
function compile(config: AdapterConfig): CompiledConfig {
  if (config.rules.some((r) => r.seriesQuery === 'uncompilable'))
    throw new Error('rules[0] (line 2): does not compile');
  return {
    rules: config.rules.map((r) => ({ rule: r }) as unknown as CompiledConfig['rules'][number]),
    externalRules: [],
    resourceRules: undefined,
    backend: () => {
      throw new Error('not used');
    },
    backends: () => [],
    upstreams: [],
    close: async () => {},
  };
}

function setup(initial: string) {
  const dir = mkdtempSync(join(tmpdir(), 'cmetrics-config-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, initial);
  const lines: string[] = [];
  const live = new LiveConfig(
    file,
    compile,
    createLogger('debug', (l) => lines.push(l)),
  );
  const queries = () => live.current.rules.map((r) => r.rule.seriesQuery);
  return { dir, file, live, lines, queries };
}

describe('LiveConfig', () => {
  it('refuses to start on a bad file, naming the line', () => {
    expect(() => setup('rules:\n- seriesQuery: a\n  metricsQueryy: b\n')).toThrow(
      /config.yaml:3: rules\[0\]: unknown key "metricsQueryy"/,
    );
  });

  it.each([
    ['invalid YAML', 'rules: [\n', /invalid YAML/],
    ['an unknown key', 'rulez: []\n', /unknown key "rulez"/],
    ['a rule that does not compile', `rules:\n${rule('uncompilable')}`, /does not compile/],
  ])('keeps the running configuration when the new file has %s', (_what, text, error) => {
    const { file, live, lines, queries } = setup(`rules:\n${rule('a')}`);
    writeFileSync(file, text);
    expect(live.reload('test')).toBe(false);
    expect(queries()).toEqual(['a']);
    expect(live.status).toMatchObject({ failures: 1, reloads: 0 });
    expect(live.status.lastError).toMatch(error);
    expect(lines.some((l) => l.includes('configuration reload refused'))).toBe(true);
  });

  it('takes a good file, tells listeners, and clears the last error', () => {
    const { file, live, queries } = setup(`rules:\n${rule('a')}`);
    const seen: string[][] = [];
    live.onChange((c) => seen.push(c.rules.map((r) => r.rule.seriesQuery)));
    writeFileSync(file, 'rules: [');
    live.reload('test');
    writeFileSync(file, `rules:\n${rule('a')}${rule('b')}`);
    expect(live.reload('test')).toBe(true);
    expect(queries()).toEqual(['a', 'b']);
    expect(seen).toEqual([['a', 'b']]);
    expect(live.status).toMatchObject({ reloads: 1, failures: 1, lastError: undefined });
    expect(live.reload('test')).toBe(false);
  });

  it('reloads on SIGHUP and when a ConfigMap-style symlink swap replaces the file', async () => {
    const { dir, file, live, queries } = setup(`rules:\n${rule('a')}`);
    const stop = live.watch();
    try {
      writeFileSync(file, `rules:\n${rule('b')}`);
      process.emit('SIGHUP', 'SIGHUP');
      expect(queries()).toEqual(['b']);
      const changed = new Promise<void>((resolve) => live.onChange(() => resolve()));
      writeFileSync(join(dir, 'next.yaml'), `rules:\n${rule('c')}`);
      renameSync(join(dir, 'next.yaml'), file);
      await changed;
      expect(queries()).toEqual(['c']);
    } finally {
      stop();
    }
  });
});
