// The streamed zip: what each add returns is the archive (fflate's own reader gets every entry
// back), the size it predicts is the size it makes, and its bound and the 65,535-entry limit of a
// zip without Zip64 refuse an entry before producing any of it.
import { unzipSync } from 'fflate';
import { StreamingZip, ZIP_MAX_ENTRIES } from './streaming-zip';

const concat = (chunks: Uint8Array[]) => Buffer.concat(chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)));

describe('StreamingZip', () => {
  it('produces each entry as it is added, and exactly the size it predicted', () => {
    const zip = new StreamingZip(1024 * 1024, 'TEST_BOUND');
    const files = { 'a/1.dcm': Buffer.alloc(1000, 1), 'a/2.dcm': Buffer.alloc(3000, 2), 'REPORT.json': Buffer.from('{}') };
    const out: Uint8Array[] = [];
    for (const [name, data] of Object.entries(files)) {
      const produced = zip.add(name, data);
      expect(concat(produced).byteLength).toBeGreaterThan(data.byteLength); // header, data, descriptor: nothing held back
      out.push(...produced);
    }
    const predicted = zip.sizeBytes;
    out.push(...zip.end());
    const archive = concat(out);
    expect(archive.byteLength).toBe(predicted);
    const back = unzipSync(archive);
    expect(Object.keys(back)).toEqual(Object.keys(files));
    for (const [name, data] of Object.entries(files)) expect(Buffer.from(back[name]).equals(data)).toBe(true);
  });

  it('refuses an entry that would pass the bound, producing nothing of it', () => {
    const zip = new StreamingZip(10_000, 'TEST_BOUND');
    const out = [...zip.add('1.dcm', Buffer.alloc(6000))];
    expect(() => zip.add('2.dcm', Buffer.alloc(4000))).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('TEST_BOUND') }));
    out.push(...zip.end());
    expect(Object.keys(unzipSync(concat(out)))).toEqual(['1.dcm']); // the archive so far is still whole
  });

  it('refuses the 65,536th entry: a zip without Zip64 counts 16 bits', () => {
    const zip = new StreamingZip(64 * 1024 * 1024, 'TEST_BOUND');
    const empty = new Uint8Array(0);
    for (let i = 0; i < ZIP_MAX_ENTRIES; i++) zip.add(`${i}`, empty);
    expect(() => zip.add('one-more', empty)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('65535') }));
  });
});
