// `node --import test/fuzz/register.ts jazzer ...`: the TypeScript hooks of loader.ts, registered
// before Jazzer.js registers its instrumenting one (which then reaches them as its next loader), and
// the fuzzing engine's native addon swapped for the copy addon.ts made runnable on this machine.
import { realpathSync } from 'node:fs';
import { register, registerHooks } from 'node:module';
import { pathToFileURL } from 'node:url';
import { ADDON, runnableAddon } from './addon.ts';

register('./loader.ts', import.meta.url);
const runnable = runnableAddon();
// Node resolves the addon to its real path: where node_modules is a symlink (a git worktree sharing
// another checkout's), that is not ADDON.
const resolvedAddon = pathToFileURL(realpathSync(ADDON)).href;
if (runnable !== ADDON)
  registerHooks({
    resolve: (specifier, context, nextResolve) => {
      const resolved = nextResolve(specifier, context);
      return resolved.url === resolvedAddon ? { ...resolved, url: pathToFileURL(runnable).href } : resolved;
    },
  });
