import { describe, expect, it } from 'vitest';
import { shippedNodeFlags } from './servers.ts';

describe('shippedNodeFlags', () => {
  it("are the Node flags of the image's start command", () => {
    expect(shippedNodeFlags()).toEqual(['--max-semi-space-size=4']);
  });
});
