// Cornerstone3D annotations → the review mutation's measurements.
import { describeMeasurement, frameOfImageId, toMeasurement } from './measurements';

const IMAGE = 'wadors:http://127.0.0.1:3000/dicom-web/studies/1.2/series/1.2.3/instances/1.2.3.4/frames/1';
// a world → image conversion for a 0.5 mm grid starting at the origin
const toImage = (_: string, p: number[]) => [p[0] / 0.5, p[1] / 0.5, 0];

describe('measurements', () => {
  it('finds the slice and frame of our image ids', () => {
    expect(frameOfImageId(IMAGE)).toEqual({ sopInstanceUid: '1.2.3.4', frame: 1 });
    expect(frameOfImageId('wadors:x/instances/1.2%2E5/frames/12')).toEqual({ sopInstanceUid: '1.2.5', frame: 12 });
    expect(frameOfImageId('web:x.png')).toBeNull();
  });

  it('converts each tool with the values it computed, in image pixels', () => {
    const length = toMeasurement({ metadata: { toolName: 'Length', referencedImageId: IMAGE }, data: { handles: { points: [[1, 2, 0], [6, 2, 0]] }, cachedStats: { [`imageId:${IMAGE}`]: { length: 5.0049, unit: 'mm' } }, label: 'A' } }, toImage);
    expect(length).toEqual({ tool: 'LENGTH', sopInstanceUid: '1.2.3.4', frame: 1, points: [[2, 4], [12, 4]], lengthMm: 5, label: 'A' });
    const px = toMeasurement({ metadata: { toolName: 'Length', referencedImageId: IMAGE }, data: { handles: { points: [[1, 2, 0], [6, 2, 0]] }, cachedStats: { x: { length: 10, unit: 'px' } } } }, toImage);
    expect(px).not.toHaveProperty('lengthMm'); // not mm: not saved as mm
    const roi = toMeasurement({ metadata: { toolName: 'EllipticalROI', referencedImageId: IMAGE }, data: { handles: { points: [[0, 1, 0], [0, 3, 0], [-1, 2, 0], [1, 2, 0]] }, cachedStats: { x: { area: 3.14159, areaUnit: 'mm²', mean: 41.456, stdDev: 9.1, modalityUnit: 'HU' } } } }, toImage);
    expect(roi).toMatchObject({ tool: 'ELLIPTICAL_ROI', areaMm2: 3.14, meanHu: 41.46, stdDevHu: 9.1 });
    expect(roi!.points).toHaveLength(4);
    expect(toMeasurement({ metadata: { toolName: 'Probe', referencedImageId: IMAGE }, data: { handles: { points: [[1, 1, 0]] }, cachedStats: { x: { value: -998 } } } }, toImage)).toMatchObject({ tool: 'PROBE', valueHu: -998, points: [[2, 2]] });
    expect(toMeasurement({ metadata: { toolName: 'Angle', referencedImageId: IMAGE }, data: { handles: { points: [[0, 0, 0], [1, 1, 0]] }, cachedStats: { x: { angle: 'Incomplete Angle' } } } }, toImage)).toBeNull();
    expect(toMeasurement({ metadata: { toolName: 'Brush', referencedImageId: IMAGE }, data: {} }, toImage)).toBeNull();
  });

  it('reads them out for people', () => {
    expect(describeMeasurement({ tool: 'LENGTH', lengthMm: 12.34 })).toBe('Length 12.3 mm');
    expect(describeMeasurement({ tool: 'BIDIRECTIONAL', lengthMm: 12, widthMm: 6 })).toBe('Bidirectional 12.0 mm × 6.0 mm');
    expect(describeMeasurement({ tool: 'RECTANGLE_ROI', areaMm2: 64, meanHu: -3, stdDevHu: 8 })).toBe('Rectangle 64.0 mm² mean -3.0 HU SD 8.0');
  });
});
