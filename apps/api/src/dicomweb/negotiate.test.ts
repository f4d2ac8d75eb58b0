// Accept parsing for WADO-RS: q-values, quoted parameters, defaults per media type, and the typed
// errors for what cannot be given.
import { frameRepresentations, instanceRepresentations, parseAccept } from './negotiate';

const JLS = '1.2.840.10008.1.2.4.80';
const EVLE = '1.2.840.10008.1.2.1';

describe('WADO-RS content negotiation', () => {
  it('orders media ranges by q, then by their place in the header, and drops q=0', () => {
    const ranges = parseAccept('application/dicom; q=0.5, multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.80, image/png; q=0');
    expect(ranges.map((r) => [r.type, r.q])).toEqual([['multipart/related', 1], ['application/dicom', 0.5]]);
    expect(ranges[0].params).toMatchObject({ type: 'application/dicom', 'transfer-syntax': JLS });
    expect(parseAccept('multipart/related; type="a,b"; q=1')).toHaveLength(1); // commas inside quotes
  });

  it('gives instances as stored without an Accept or a transfer-syntax, and as asked otherwise', () => {
    expect(instanceRepresentations(undefined)).toEqual([{ transferSyntax: '*', mediaType: 'application/dicom', multipart: true }]);
    expect(instanceRepresentations('multipart/related; type="application/dicom"')).toEqual([{ transferSyntax: '*', mediaType: 'application/dicom', multipart: true }]);
    expect(instanceRepresentations(`application/dicom; transfer-syntax=${JLS}, */*; q=0.1`)).toEqual([
      { transferSyntax: JLS, mediaType: 'application/dicom', multipart: false },
      { transferSyntax: '*', mediaType: 'application/dicom', multipart: true },
    ]);
  });

  it('defaults frames to Explicit VR Little Endian for octet-stream and JPEG-LS for image/jls (PS3.18 Table 8.7.3-5)', () => {
    expect(frameRepresentations('multipart/related; type="application/octet-stream"')[0]).toMatchObject({ transferSyntax: EVLE, multipart: true });
    expect(frameRepresentations('multipart/related; type="application/octet-stream"; transfer-syntax=*')[0].transferSyntax).toBe('*');
    expect(frameRepresentations('multipart/related; type="image/x-jls"')[0]).toMatchObject({ transferSyntax: JLS, mediaType: 'image/jls' });
    expect(frameRepresentations('application/octet-stream')[0].multipart).toBe(false);
    expect(frameRepresentations('multipart/related; type="image/jpeg"').map((r) => r.transferSyntax)).toContain('1.2.840.10008.1.2.4.50');
  });

  it('refuses what it cannot give with NOT_ACCEPTABLE and malformed syntaxes with BAD_USER_INPUT', () => {
    expect(() => instanceRepresentations('application/json')).toThrow(expect.objectContaining({ code: 'NOT_ACCEPTABLE' }));
    expect(() => frameRepresentations('text/html')).toThrow(expect.objectContaining({ code: 'NOT_ACCEPTABLE' }));
    expect(() => instanceRepresentations('application/dicom; transfer-syntax=1.2.x')).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
