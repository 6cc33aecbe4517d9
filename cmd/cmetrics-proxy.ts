#!/usr/bin/env node
import { createLogger } from '../proxy/log.ts';
import { runProxy } from '../proxy/main.ts';
import { parseFlags } from '../proxy/options/options.ts';

const flags = parseFlags(process.argv.slice(2));
const log = createLogger(flags.logLevel);
// No top-level await: the image's executable embeds this program as CommonJS (scripts/image.ts).
runProxy(flags, log).then(
  (stop) => {
    // The first signal drains requests under way (bounded by --shutdown-timeout); a second one is fatal.
    const shutdown = (signal: string) => {
      log.info('shutting down', { signal });
      stop().then(
        () => process.exit(0),
        (e: unknown) => {
          log.error('shutdown failed', { error: (e as Error).message });
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  },
  (e: unknown) => {
    log.error('cannot start', { error: (e as Error).message });
    process.exit(1);
  },
);
