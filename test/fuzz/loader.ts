// Module hooks for the fuzzer (registered by register.ts): TypeScript stripped to JavaScript before
// Jazzer.js' own load hook sees it, since it instruments only modules whose format is "module"
// (@jazzer.js/instrumentor esm-loader.mjs load), and Node 24 gives .ts files "module-typescript".
// Jazzer.js also appends ".js" to a target's path that does not end in .js/.mjs/.cjs
// (@jazzer.js/core utils.js ensureFilepath): resolve takes it off again.
import { stripTypeScriptTypes } from 'node:module';

interface Resolved {
  url: string;
  format?: string | null;
}
interface Loaded {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
}

export async function resolve(
  specifier: string,
  context: object,
  nextResolve: (specifier: string, context: object) => Promise<Resolved>,
): Promise<Resolved> {
  return nextResolve(specifier.endsWith('.fuzz.ts.js') ? specifier.slice(0, -3) : specifier, context);
}

export async function load(
  url: string,
  context: object,
  nextLoad: (url: string, context: object) => Promise<Loaded>,
): Promise<Loaded> {
  const loaded = await nextLoad(url, context);
  if (loaded.format !== 'module-typescript' || loaded.source === undefined) return loaded;
  const source =
    typeof loaded.source === 'string'
      ? loaded.source
      : Buffer.from(loaded.source as Uint8Array).toString('utf8');
  return { ...loaded, format: 'module', source: stripTypeScriptTypes(source) };
}
