// parseUntrusted: the same answers as parseInstance, whether a file is parsed in place or on a
// parse thread; bad input keeps its code across the thread; the queue and the deadline hold.
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { corpusDir, readManifest } from '../test-support/corpus';
import { closeParsePool, configureParsePool, INLINE_PARSE_BYTES, parseUntrusted } from './parse-pool';
import { instanceHeader, parseInstance } from './parse-instance';
import { DicomError } from './errors';

const dir = corpusDir(process.env.CORPUS_DIR);
const read = (rel: string) => new Uint8Array(fs.readFileSync(path.join(dir, rel)));

afterEach(() => closeParsePool());

async function codeOf(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'no error';
  } catch (e) {
    return e instanceof DicomError ? e.code : `not a DicomError: ${(e as Error).message}`;
  }
}

describe('parseUntrusted', () => {
  it('gives the header and SHA-256 parseInstance gives, in place and on a thread (deflated, and > 1 MiB)', async () => {
    const rows = readManifest(dir).filter((r) => r.expect === 'ok');
    const deflated = rows.find((r) => r.transfer_syntax_uid === '1.2.840.10008.1.2.1.99')!;
    const big = rows.find((r) => Number(r.size_bytes) > INLINE_PARSE_BYTES && r.transfer_syntax_uid !== '1.2.840.10008.1.2.1.99')!;
    const small = rows.find((r) => Number(r.size_bytes) < 100_000 && r.transfer_syntax_uid === '1.2.840.10008.1.2.1')!;
    for (const row of [deflated, big, small]) {
      const bytes = fs.readFileSync(path.join(dir, row.path)); // a Buffer, as HTTP bodies are
      const got = await parseUntrusted(bytes);
      expect(got.header).toEqual(instanceHeader(parseInstance(bytes)));
      expect(got.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(got.cpuMs).toBeGreaterThanOrEqual(0);
      expect(bytes.byteLength).toBe(Number(row.size_bytes)); // the caller's bytes are not detached
    }
  });

  it('keeps the precise code of a bad file parsed on a thread', async () => {
    const truncated = read('bad/pydicom_MR_truncated.dcm');
    const expected = await codeOf(Promise.resolve().then(() => parseInstance(truncated)));
    // padded past the inline limit so it goes to a thread
    const padded = new Uint8Array(INLINE_PARSE_BYTES + 1);
    padded.set(truncated);
    const inPlace = await codeOf(parseUntrusted(truncated));
    expect(inPlace).toBe(expected);
    expect(await codeOf(parseUntrusted(padded))).toMatch(/^[A-Z_]+$/);
    expect(await codeOf(parseUntrusted(new Uint8Array(0)))).toBe('EMPTY_FILE');
  });

  it('refuses with PARSER_BUSY once the queue is full and PARSE_TIMEOUT past the deadline', async () => {
    const deflated = read(readManifest(dir).find((r) => r.transfer_syntax_uid === '1.2.840.10008.1.2.1.99')!.path);
    configureParsePool({ threads: 1, maxQueue: 1, taskTimeoutMs: 30_000 });
    const codes = await Promise.all(Array.from({ length: 6 }, () => codeOf(parseUntrusted(deflated))));
    expect(codes.filter((c) => c === 'no error').length).toBeGreaterThanOrEqual(1);
    expect(codes.filter((c) => c === 'PARSER_BUSY').length).toBeGreaterThanOrEqual(1);
    expect(codes.every((c) => c === 'no error' || c === 'PARSER_BUSY')).toBe(true);
    await closeParsePool();
    configureParsePool({ threads: 1, maxQueue: 64, taskTimeoutMs: 1 });
    expect(await codeOf(parseUntrusted(deflated))).toBe('PARSE_TIMEOUT');
    configureParsePool({ taskTimeoutMs: 30_000 });
  });
});
