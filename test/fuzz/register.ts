// `node --import test/fuzz/register.ts jazzer ...`: the TypeScript hooks of loader.ts, registered
// before Jazzer.js registers its instrumenting one (which then reaches them as its next loader), and
// the fuzzing engine's native addon swapped for the copy addon.ts made runnable on this machine.
import { register, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ADDON, runnableAddon } from './addon.ts';

register('./loader.ts', import.meta.url);
const runnable = runnableAddon();
if (runnable !== ADDON)
  registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const resolved = nextResolve(specifier, context);
      return resolved.url === pathToFileURL(ADDON).href
        ? { ...resolved, url: pathToFileURL(runnable).href }
        : resolved;
    },
  });
