// The adapter configuration (proxy/rules/config.ts): parseAdapterConfig refuses with a ConfigError
// (file, line, what is wrong), nothing else.
import { ConfigError, parseAdapterConfig } from '../../../proxy/rules/config.ts';
import { unlessRefused } from './contract.ts';

export function fuzz(data: Buffer): void {
  unlessRefused(
    () => parseAdapterConfig(data.toString('utf8'), 'fuzz.yaml'),
    (e) => e instanceof ConfigError,
  );
}
