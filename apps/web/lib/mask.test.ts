// The mask format shared with the API (bit-packed, MSB first, base64) and its exchange with labelmaps.
import { fillLabelmap, maskArea, packMask, packMaskBase64, sameMask, unpackMask } from './mask';
import { isPresetName, PRESET_NAMES, WINDOW_PRESETS } from './presets';

describe('masks', () => {
  it('packs MSB first, row-major, and unpacks back', () => {
    const mask = new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1, /* next byte */ 1, 1, 0]);
    const packed = packMask(mask);
    expect(Array.from(packed)).toEqual([0x81, 0xc0]);
    expect(Array.from(unpackMask(packed, 1, 11))).toEqual(Array.from(mask));
    expect(packMaskBase64(mask)).toBe(Buffer.from([0x81, 0xc0]).toString('base64'));
    expect(Array.from(unpackMask(new Uint8Array([0xff]), 2, 5))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0]); // short input reads as 0
  });

  it('round-trips a large random mask through base64', () => {
    const mask = new Uint8Array(256 * 256).map((_, i) => ((i * 2654435761) >>> 28) & 1);
    const bytes = Uint8Array.from(Buffer.from(packMaskBase64(mask), 'base64'));
    expect(bytes.length).toBe(256 * 256 / 8);
    expect(unpackMask(bytes, 256, 256)).toEqual(mask);
    expect(maskArea(mask)).toBe(mask.reduce((a, b) => a + b, 0));
  });

  it('moves masks into labelmaps and back, any segment index counting as set', () => {
    const mask = new Uint8Array([0, 1, 1, 0, 1, 0]);
    const labelmap = new Uint8Array(6).fill(7);
    fillLabelmap(labelmap, mask, 2);
    expect(Array.from(labelmap)).toEqual([0, 2, 2, 0, 2, 0]);
    expect(sameMask(labelmap, mask)).toBe(true);
    expect(packMaskBase64(labelmap)).toBe(packMaskBase64(mask));
    labelmap[5] = 1; // painted
    expect(sameMask(labelmap, mask)).toBe(false);
    expect(sameMask(new Uint8Array(5), mask)).toBe(false);
    expect(() => fillLabelmap(new Uint8Array(4), mask)).toThrow(/4 pixels, the mask 6/);
  });
});

describe('presets', () => {
  it('are the server\'s', () => {
    expect(PRESET_NAMES).toEqual(['default', 'lung', 'mediastinum', 'bone', 'brain', 'abdomen']);
    expect(WINDOW_PRESETS.lung).toEqual({ center: -600, width: 1500 });
    expect(isPresetName('bone')).toBe(true);
    expect(isPresetName('liver')).toBe(false);
  });
});
