import { readFileSync } from 'node:fs';
import path from 'node:path';
import { corpusDir } from '../test-support/corpus';
import { maskSha256, readWithIndependentReaders } from '../test-support/independent-readers';
import { parseInstance } from '../parse/parse-instance';
import { DicomError } from '../parse/errors';
import { readSegmentation } from './segmentation';
import {
  LESION_CATEGORY, LESION_TYPE, packSegmentationFrames, writeSegmentation, type SegmentationWriteInput, type SourceImage,
} from './write-segmentation';

const ctFiles = ['01.dcm', '02.dcm', '03.dcm'].map((f) => new Uint8Array(readFileSync(path.join(corpusDir(), 'files/dcmqi/segmentations/ct-3slice', f))));

function sourceOf(files: Uint8Array[]): SegmentationWriteInput['source'] {
  const parsed = files.map((f) => parseInstance(f));
  const images: SourceImage[] = parsed.map((p) => ({
    sopClassUid: p.sopClassUid, sopInstanceUid: p.sopInstanceUid, rows: p.instance.rows!, columns: p.instance.columns!,
    imagePositionPatient: p.instance.imagePositionPatient, imageOrientationPatient: p.instance.imageOrientationPatient,
    pixelSpacing: p.instance.pixelSpacing, sliceThickness: p.instance.sliceThickness,
  }));
  const p = parsed[0];
  return {
    patient: { patientName: p.patient.patientName, patientId: p.patient.patientId, issuerOfPatientId: p.patient.issuerOfPatientId, birthDate: p.patient.birthDate, sex: p.patient.sex },
    study: { studyInstanceUid: p.studyInstanceUid, ...p.study },
    seriesInstanceUid: p.seriesInstanceUid, frameOfReferenceUid: p.text(0x00200052), specificCharacterSet: p.text(0x00080005), images,
  };
}

/** A disc per slice, different per slice; slice 1 is left empty. */
function discs(rows: number, columns: number): Uint8Array[] {
  return [0, 1, 2].map((s) => {
    const mask = new Uint8Array(rows * columns);
    if (s === 1) return mask;
    const [cy, cx, r] = [200 + s * 30, 260 - s * 20, 40 + s * 10];
    for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) if ((y - cy) ** 2 + (x - cx) ** 2 < r * r) mask[y * columns + x] = 1;
    return mask;
  });
}

function input(overrides: Partial<SegmentationWriteInput> = {}): SegmentationWriteInput {
  const source = sourceOf(ctFiles);
  const masks = discs(512, 512);
  return {
    source,
    segments: [{ number: 1, label: 'Lesion', category: LESION_CATEGORY, type: LESION_TYPE, algorithm: { type: 'AUTOMATIC', name: 'imaging U-Net', version: 'v3' } }],
    frames: [0, 2].map((i) => ({ segmentNumber: 1, imageIndex: i, mask: masks[i] })),
    sopInstanceUid: '2.25.1234567890123456789', seriesInstanceUid: '2.25.9876543210987654321', dimensionOrganizationUid: '2.25.555',
    seriesNumber: 9001, seriesDescription: 'Segmentations', instanceNumber: 1, contentDateTime: new Date('2026-12-02T10:11:12Z'),
    contentLabel: 'AI', contentDescription: 'AI result', contentCreatorName: null,
    equipment: { manufacturer: 'Imaging Platform', modelName: 'imaging U-Net', deviceSerialNumber: '1', softwareVersions: 'v3' },
    ...overrides,
  };
}

describe('writeSegmentation', () => {
  it('writes a SEG that pydicom, dciodvfy and dcmdump read, with the masks bit for bit', async () => {
    const spec = input();
    const bytes = writeSegmentation(spec);
    const reading = readWithIndependentReaders(bytes);
    expect(reading.dciodvfyErrors).toEqual([]);
    expect(reading.dcmdump).toContain('(0062,0001) CS [BINARY]');
    const py = reading.pydicom;
    expect(py.sopClassUid).toBe('1.2.840.10008.5.1.4.1.1.66.4');
    expect(py.modality).toBe('SEG');
    expect(py.numberOfFrames).toBe(2);
    expect(py.segments).toEqual([{ number: 1, label: 'Lesion', algorithmType: 'AUTOMATIC' }]);
    expect(py.referencedSeries).toBe(spec.source.seriesInstanceUid);
    expect(py.frames.map((f) => f.referencedSopInstanceUid)).toEqual([0, 2].map((i) => spec.source.images[i].sopInstanceUid));
    expect(py.frames.map((f) => f.dimensionIndexValues)).toEqual([[1, 1], [1, 3]]);
    expect(py.frames.map((f) => f.sha256)).toEqual(spec.frames.map((f) => maskSha256(f.mask)));
    // and our own reader gives the same masks back
    const ours = await readSegmentation(bytes);
    expect(ours.frames.map((f) => f.mask)).toEqual(spec.frames.map((f) => f.mask));
    expect(ours.segments).toEqual([{ number: 1, label: 'Lesion' }]);
  });

  it('is deterministic, and names the reader of a MANUAL segmentation', () => {
    const manual = input({ segments: [{ number: 1, label: 'Lesion', category: LESION_CATEGORY, type: LESION_TYPE, algorithm: { type: 'MANUAL' } }], contentCreatorName: 'Reader^1a2b3c4d' });
    const bytes = writeSegmentation(manual);
    expect(Buffer.from(writeSegmentation(manual)).equals(Buffer.from(bytes))).toBe(true);
    const reading = readWithIndependentReaders(bytes);
    expect(reading.dciodvfyErrors).toEqual([]);
    expect(reading.pydicom.segments[0].algorithmType).toBe('MANUAL');
    expect(reading.dcmdump).toContain('[Reader^1a2b3c4d]');
  });

  it('packs frames as one LSB-first bit stream, not padded between frames (PS3.5 §8.1.1)', () => {
    // 3 × 3 frames: 9 bits each
    const a = Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 1]);
    const b = Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect([...packSegmentationFrames([a, b], 9)]).toEqual([0b00000001, 0b00000101, 0, 0]);
  });

  it('refuses frames that do not fit the source images', () => {
    expect(() => writeSegmentation(input({ frames: [{ segmentNumber: 1, imageIndex: 0, mask: new Uint8Array(10) }] }))).toThrow(DicomError);
    expect(() => writeSegmentation(input({ frames: [{ segmentNumber: 2, imageIndex: 0, mask: new Uint8Array(512 * 512) }] }))).toThrow(DicomError);
    expect(() => writeSegmentation(input({ frames: [] }))).toThrow(DicomError);
  });
});
