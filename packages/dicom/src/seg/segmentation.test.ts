import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir } from '../test-support/corpus';
import { readSegmentation } from './segmentation';
import { DicomError } from '../parse/errors';

const file = (p: string) => new Uint8Array(readFileSync(path.join(corpusDir(), 'files', p)));

describe('readSegmentation', () => {
  it('maps each frame of the liver SEG to its CT slice and segment', async () => {
    const seg = await readSegmentation(file('pydicom-data/liver.dcm'));
    expect([seg.rows, seg.columns]).toEqual([512, 512]);
    expect(seg.segments).toEqual([{ number: 1, label: 'Liver' }]);
    expect(seg.referencedSeriesInstanceUids).toEqual(['1.2.392.200103.20080913.113635.1.2009.6.22.21.43.10.23430.1']); // the corpus' ct-3slice
    expect(seg.frames.map((f) => f.referencedSopInstanceUid.slice(-7))).toEqual(['23433.1', '23432.1', '23431.1']);
    for (const f of seg.frames) {
      const area = f.mask.reduce((a, b) => a + b, 0);
      expect(area).toBeGreaterThan(1000); // a liver on a 512² abdominal slice
      expect(area).toBeLessThan(512 * 512 / 2);
    }
    // the same segmentation stored RLE-compressed decodes to the same masks
    const rle = await readSegmentation(file('pydicom-data/liver_rle.dcm'));
    expect(rle.frames.map((f) => f.mask)).toEqual(seg.frames.map((f) => f.mask));
  });
  it('reads several segments, some overlapping on one slice', async () => {
    const seg = await readSegmentation(file('dcmqi/segmentations/partial_overlaps.dcm'));
    expect(seg.segments.map((s) => s.label)).toEqual(['GREEN', 'ORANGE', 'PURPLE', 'LIGHT_BLUE', 'DARK_BLUE']);
    expect(seg.frames.map((f) => f.segmentNumber)).toEqual([1, 2, 3, 3, 3, 4, 5]);
  });
  it('refuses an image that is not a segmentation', async () => {
    await expect(readSegmentation(file('dcmqi/segmentations/ct-3slice/01.dcm'))).rejects.toBeInstanceOf(DicomError);
  });
});
