// The body of a parse thread (parse-pool.ts): parse + validate + SHA-256 of one untrusted file.
// Bad input comes back as data ({ error }), since an Error's own fields do not cross threads.
import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { DicomError } from './errors';
import { instanceHeader, parseInstance, type InstanceHeader, type ParseOptions } from './parse-instance';

export interface ParseTask { bytes: Uint8Array; options: ParseOptions }
export type ParseTaskResult =
  | { header: InstanceHeader; sha256: string; cpuMs: number }
  | { error: { code: string; message: string } };

export function runParseTask({ bytes, options }: ParseTask): ParseTaskResult {
  const start = performance.now();
  try {
    const header = instanceHeader(parseInstance(bytes, options));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return { header, sha256, cpuMs: performance.now() - start };
  } catch (e) {
    if (e instanceof DicomError) return { error: { code: e.code, message: e.message } };
    throw e;
  }
}

export default runParseTask;
