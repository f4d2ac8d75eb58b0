import { countSet, decodeMask, encodeMask, packBits, unpackBits } from './codec';

describe('mask codec', () => {
  it('round-trips masks of any length, MSB first', () => {
    expect(Array.from(packBits(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1])))).toEqual([0x81, 0x80]);
    for (const pixels of [1, 7, 8, 9, 512 * 512]) {
      const mask = Uint8Array.from({ length: pixels }, (_, i) => ((i * 7919) % 13 < 4 ? 1 : 0));
      expect(unpackBits(packBits(mask), pixels)).toEqual(mask);
      expect(decodeMask(encodeMask(mask), pixels)).toEqual(mask);
    }
  });
  it('stores a sparse 512² mask in little space and counts its pixels', () => {
    const mask = new Uint8Array(512 * 512);
    for (let r = 200; r < 240; r++) for (let c = 300; c < 330; c++) mask[r * 512 + c] = 1;
    expect(encodeMask(mask).length).toBeLessThan(400);
    expect(countSet(mask)).toBe(1200);
  });
  it('refuses a packed mask of the wrong size', () => {
    expect(() => unpackBits(new Uint8Array(3), 512)).toThrow(/expected 64/);
  });
});
