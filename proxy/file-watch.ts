// Change notices for files that may live in a mounted ConfigMap or Secret.
import { watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/**
 * Calls `changed` once things settle after any of `files` (or a ConfigMap/Secret volume's `..data`
 * symlink beside them) changes. Watching the directory sees both in-place writes and the symlink swap
 * kubelet does; writers touch several files one after the other, so a change waits 200 ms for the
 * next. Returns the function that stops watching.
 */
export function watchFiles(files: readonly string[], changed: () => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  const watched = new Map<string, Set<string>>();
  for (const file of files) {
    const names = watched.get(dirname(file)) ?? new Set(['..data']);
    names.add(basename(file));
    watched.set(dirname(file), names);
  }
  const watchers = [...watched].map(([dir, names]) =>
    watch(dir, (_event, name) => {
      if (name && !names.has(name)) return;
      clearTimeout(timer);
      timer = setTimeout(changed, 200);
    }),
  );
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
  };
}
