import { describe, expect, it } from 'vitest';
import {
  bitString,
  boolean,
  explicit,
  implicit,
  namedBits,
  oid,
  sequence,
  smallInteger,
  time,
  tlv,
  unsignedInteger,
  utf8String,
} from '../../../proxy/server/der.ts';

const hex = (b: Buffer) => b.toString('hex');

describe('DER', () => {
  it.each<[string, Buffer, string]>([
    ['ecdsa-with-SHA256', oid('1.2.840.10045.4.3.2'), '06082a8648ce3d040302'],
    ['commonName', oid('2.5.4.3'), '0603550403'],
    ['serverAuth', oid('1.3.6.1.5.5.7.3.1'), '06082b06010505070301'],
    ['an arc ≥ 128 in the first byte', oid('2.999.3'), '0603883703'],
    ['0', smallInteger(0), '020100'],
    ['2', smallInteger(2), '020102'],
    ['127', smallInteger(127), '02017f'],
    ['128 gets a leading 0', smallInteger(128), '02020080'],
    ['256', smallInteger(256), '02020100'],
    ['leading zero bytes dropped', unsignedInteger(Buffer.from([0, 0, 1, 2])), '02020102'],
    ['all zeros', unsignedInteger(Buffer.from([0, 0])), '020100'],
    ['TRUE', boolean(true), '0101ff'],
    ['FALSE', boolean(false), '010100'],
    ['empty SEQUENCE', sequence(), '3000'],
    ['SEQUENCE of two', sequence(smallInteger(1), boolean(true)), '30060201010101ff'],
    ['UTF8String', utf8String('größe'), '0c076772c3b6c39f65'],
    ['[0] EXPLICIT', explicit(0, smallInteger(2)), 'a003020102'],
    ['[2] IMPLICIT', implicit(2, Buffer.from('a')), '820161'],
    ['BIT STRING of bytes', bitString(Buffer.from([0xab])), '030200ab'],
    ['key usage digitalSignature', namedBits([0]), '03020780'],
    ['key usage digitalSignature, keyCertSign', namedBits([0, 5]), '03020284'],
    ['key usage digitalSignature, keyCertSign, cRLSign', namedBits([0, 5, 6]), '03020186'],
    ['a bit in the second byte', namedBits([0, 8]), '0303078080'],
    ['UTCTime through 2049', time(new Date('2049-12-31T23:59:59.600Z')), '170d3439313233313233353935395a'],
    [
      'GeneralizedTime from 2050',
      time(new Date('2050-01-01T00:00:00Z')),
      '180f32303530303130313030303030305a',
    ],
  ])('%s', (_what, encoded, want) => {
    expect(hex(encoded)).toBe(want);
  });

  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [70_000, '83011170'],
  ])('length %i is %s', (length, want) => {
    const encoded = tlv(0x04, Buffer.alloc(length));
    expect(hex(encoded.subarray(1, 1 + want.length / 2))).toBe(want);
    expect(encoded.length).toBe(1 + want.length / 2 + length);
  });

  it.each(['1', '3.1', '1.40', 'a.b', '1.2.-3'])('refuses the OID %s', (text) => {
    expect(() => oid(text)).toThrow(/not an OID/);
  });

  it.each([-1, 1.5, 2 ** 24])('refuses the integer %d', (n) => {
    expect(() => smallInteger(n)).toThrow(RangeError);
  });
});
