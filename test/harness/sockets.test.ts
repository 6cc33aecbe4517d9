import { describe, expect, it } from 'vitest';
import { decodeAddress, isLoopback } from './sockets.ts';

describe('decodeAddress', () => {
  it.each<[string, string, string]>([
    ['IPv4 loopback', '0100007F:1F90', '127.0.0.1:8080'],
    ['IPv4 unspecified', '00000000:0000', '0.0.0.0:0'],
    ['IPv4 address', '0A01A8C0:01BB', '192.168.1.10:443'],
    ['IPv4 high port', '0100007F:FFFF', '127.0.0.1:65535'],
    ['IPv6 loopback', '00000000000000000000000001000000:1F90', '[0:0:0:0:0:0:0:1]:8080'],
    ['IPv6 unspecified', '00000000000000000000000000000000:0016', '[0:0:0:0:0:0:0:0]:22'],
    ['IPv6 link-local', '000080FE00000000FF0000020300FE04:0050', '[fe80:0:0:0:200:ff:4fe:3]:80'],
    ['IPv4-mapped IPv6 loopback', '0000000000000000FFFF00000100007F:0050', '127.0.0.1:80'],
    ['IPv4-mapped IPv6 address', '0000000000000000FFFF00000A01A8C0:2382', '192.168.1.10:9090'],
  ])('%s: %s → %s', (_what, hex, want) => {
    expect(decodeAddress(hex)).toBe(want);
  });
});

describe('isLoopback', () => {
  it.each<[string, boolean, boolean]>([
    ['127.0.0.1:8080', false, true],
    ['127.0.0.53:53', false, true],
    ['[0:0:0:0:0:0:0:1]:8080', false, true],
    ['192.168.1.10:443', false, false],
    ['10.0.0.1:6443', true, false],
    ['[fe80:0:0:0:200:ff:4fe:3]:80', true, false],
    ['0.0.0.0:0', false, false],
    ['0.0.0.0:0', true, true],
    ['[0:0:0:0:0:0:0:0]:0', false, false],
    ['[0:0:0:0:0:0:0:0]:0', true, true],
    // Only the host counts, not the port.
    ['10.0.0.127:127', false, false],
    ['1.127.0.1:80', false, false],
  ])('%s (unconnected allowed: %s) → %s', (address, unconnectedAllowed, want) => {
    expect(isLoopback(address, unconnectedAllowed)).toBe(want);
  });

  it.each<[string, boolean]>([
    ['0100007F:1F90', true],
    ['00000000000000000000000001000000:1F90', true],
    ['0000000000000000FFFF00000100007F:0050', true],
    ['0A01A8C0:01BB', false],
  ])('decoded %s is loopback: %s', (hex, want) => {
    expect(isLoopback(decodeAddress(hex), false)).toBe(want);
  });
});
