// Which rooms may import which: the data flow of docs/development.md, stated once so that a change
// cannot quietly undo it (in the spirit of VS Code's `code-layering` lint rule). Every import counts:
// static, dynamic, re-exports and type-only ones. Cycles between files of one room are Biome's
// `noImportCycles` (types included, biome.json).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Room → the rooms its files may import, besides their own. A room is a folder or a single file. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  cmd: ['plugin/main.ts', 'proxy/main.ts', 'proxy/options', 'proxy/log.ts'],
  scripts: ['plugin/completion', 'shared'],

  'plugin/main.ts': [
    'plugin/spec.ts',
    'plugin/cli',
    'plugin/cluster',
    'plugin/completion',
    'plugin/errors.ts',
    'shared',
  ],
  'plugin/spec.ts': ['plugin/commands', 'plugin/completion', 'plugin/cli', 'plugin/errors.ts', 'shared'],
  'plugin/commands': [
    'plugin/completion',
    'plugin/cli',
    'plugin/cluster',
    'plugin/printers',
    'plugin/hints',
    'plugin/hpa',
    'plugin/errors.ts',
    'shared',
  ],
  'plugin/completion': ['plugin/cli', 'plugin/cluster', 'plugin/errors.ts', 'shared'],
  'plugin/cli': [
    'plugin/cluster',
    'plugin/printers',
    'plugin/hints',
    'plugin/hpa',
    'plugin/errors.ts',
    'shared',
  ],
  'plugin/cluster': ['plugin/hints', 'plugin/hpa', 'plugin/errors.ts', 'shared'],
  'plugin/printers': ['plugin/hpa', 'shared'],
  'plugin/hints': ['plugin/hpa', 'plugin/errors.ts', 'shared'],
  'plugin/hpa': ['shared'],
  'plugin/errors.ts': [],

  'proxy/main.ts': [
    'proxy/metrics.ts',
    'proxy/options',
    'proxy/server',
    'proxy/apis',
    'proxy/config',
    'proxy/prometheus',
    'proxy/kube',
    'proxy/upstream',
    'proxy/rules',
    'proxy/log.ts',
    'proxy/file-watch.ts',
    'shared',
  ],
  // Every room's metrics on one registry: it sits beside main.ts, above the rooms it gathers.
  'proxy/metrics.ts': [
    'proxy/server',
    'proxy/config',
    'proxy/prometheus',
    'proxy/kube',
    'proxy/upstream',
    'proxy/rules',
    'shared',
  ],
  'proxy/options': ['proxy/server', 'proxy/config', 'proxy/rules', 'proxy/log.ts', 'shared'],
  'proxy/server': [
    'proxy/apis',
    'proxy/config',
    'proxy/prometheus',
    'proxy/kube',
    'proxy/rules',
    'proxy/log.ts',
    'proxy/file-watch.ts',
    'shared',
  ],
  'proxy/apis': [
    'proxy/config',
    'proxy/prometheus',
    'proxy/kube',
    'proxy/upstream',
    'proxy/rules',
    'proxy/log.ts',
    'shared',
  ],
  'proxy/config': [
    'proxy/prometheus',
    'proxy/upstream',
    'proxy/rules',
    'proxy/log.ts',
    'proxy/file-watch.ts',
    'shared',
  ],
  'proxy/prometheus': ['proxy/rules', 'proxy/outbound.ts', 'proxy/log.ts', 'shared'],
  'proxy/upstream': ['proxy/rules', 'proxy/outbound.ts', 'shared'],
  'proxy/kube': ['proxy/rules', 'proxy/log.ts', 'shared'],
  'proxy/rules': ['shared'],
  'proxy/log.ts': [],
  'proxy/file-watch.ts': [],
  'proxy/outbound.ts': [],

  shared: [],
};

/** The room of a repository path: the longest key of MAY_IMPORT that is the path or a folder of it. */
function roomOf(path: string): string | undefined {
  let best: string | undefined;
  for (const room of Object.keys(MAY_IMPORT)) {
    if ((path === room || path.startsWith(`${room}/`)) && room.length > (best?.length ?? 0)) best = room;
  }
  return best;
}

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(root, join(e.parentPath, e.name)));
}

// `from '…'` (imports, re-exports, type-only ones), `import('…')` and bare `import '…'`.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

function relativeImports(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1] as string);
}

interface Arrow {
  from: string;
  to: string;
}

function arrows(): Arrow[] {
  return ['cmd', 'scripts', 'plugin', 'proxy', 'shared'].flatMap(sources).flatMap((from) =>
    relativeImports(readFileSync(join(root, from), 'utf8')).map((spec) => ({
      from,
      to: relative(root, resolve(root, dirname(from), spec)),
    })),
  );
}

describe('layering', () => {
  it('finds imports of every form', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b.ts';",
      "export { c } from './c.ts';",
      'import {\n  d,\n} from "./not-single-quoted.ts";',
      "const e = await import('./e.ts');",
      "import './f.ts';",
      "import yargs from 'yargs';",
    ].join('\n');
    expect(relativeImports(text)).toEqual(['./a.ts', '../b.ts', './c.ts', './e.ts', './f.ts']);
  });

  it('places every source file in a room', () => {
    const homeless = ['cmd', 'scripts', 'plugin', 'proxy', 'shared']
      .flatMap(sources)
      .filter((f) => roomOf(f) === undefined);
    expect(homeless).toEqual([]);
  });

  it('imports only from the same room or a room below', () => {
    const wrong = arrows()
      .filter(({ from, to }) => {
        const a = roomOf(from) as string;
        const b = roomOf(to);
        return b === undefined || (a !== b && !MAY_IMPORT[a]?.includes(b));
      })
      .map(({ from, to }) => `${from} -> ${to}`);
    expect(wrong).toEqual([]);
  });

  it('states rooms that form no circle', () => {
    const visiting = new Set<string>();
    const done = new Set<string>();
    const circles: string[] = [];
    const visit = (room: string, path: string[]) => {
      if (done.has(room)) return;
      if (visiting.has(room)) {
        circles.push([...path, room].join(' -> '));
        return;
      }
      visiting.add(room);
      for (const next of MAY_IMPORT[room] ?? []) visit(next, [...path, room]);
      visiting.delete(room);
      done.add(room);
    };
    for (const room of Object.keys(MAY_IMPORT)) visit(room, []);
    expect(circles).toEqual([]);
    for (const [room, below] of Object.entries(MAY_IMPORT)) {
      for (const b of below) expect(Object.keys(MAY_IMPORT), `${room} names ${b}`).toContain(b);
    }
  });
});
