// The hostile files of issue 12, made on the fly: each is refused with its code, leaves nothing
// behind, and /healthz keeps answering while they arrive.
import { countState, deflateBombFile, hugeJpegFile, manyFramesRleFile } from '@imaging/testing';
import { apiKeyCaller, postDicom, startHarness, type Caller, type Harness } from '../testing/harness';

describe('hostile DICOM files', () => {
  let h: Harness;
  let caller: Caller;
  beforeAll(async () => {
    // a small per-instance limit keeps the bomb small on this machine; the mechanism is the same at 256 MiB
    h = await startHarness({ maxInstanceBytes: 8 * 1024 * 1024 });
    caller = await apiKeyCaller(h, 'INTEGRATOR');
  });
  afterAll(() => h.close());

  async function refusedWhileHealthy(file: Buffer): Promise<{ code: string; healthP99Ms: number; elapsedMs: number }> {
    const before = await countState(h.services);
    const latencies: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const start = performance.now();
        await fetch(`${h.url}/healthz`);
        latencies.push(performance.now() - start);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const start = performance.now();
    const res = await postDicom(h, caller, [file]);
    const elapsedMs = performance.now() - start;
    done = true;
    await probe;
    expect(await countState(h.services)).toEqual(before);
    latencies.sort((a, b) => a - b);
    const healthP99Ms = latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] : 0;
    return { code: res.body.results?.[0]?.error?.code ?? res.body.error?.code, healthP99Ms, elapsedMs };
  }

  it('refuses a deflate bomb (inflates past MAX_INSTANCE_BYTES) as INFLATED_TOO_LARGE', async () => {
    const bomb = deflateBombFile(61, 64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const { code, healthP99Ms } = await refusedWhileHealthy(bomb);
    expect(code).toBe('INFLATED_TOO_LARGE');
    expect(healthP99Ms).toBeLessThan(1000); // correctness bound only; the p99 figure is in the note
  });

  it('refuses 60,000 one-pixel RLE frames as PIXEL_BUDGET_EXCEEDED (frame count)', async () => {
    const { code } = await refusedWhileHealthy(manyFramesRleFile(62, 60_000));
    expect(code).toBe('PIXEL_BUDGET_EXCEEDED');
  });

  it('indexes 9,000 RLE frames with an offset table in linear time and stores them', async () => {
    const res = await postDicom(h, caller, [manyFramesRleFile(63, 9_000)]);
    expect(res.body.results[0].status).toBe('stored');
  });

  it('refuses a 16384² RGB JPEG frame before any decoder allocates', async () => {
    const { code } = await refusedWhileHealthy(hugeJpegFile(64, 16384));
    expect(code).toBe('PIXEL_BUDGET_EXCEEDED');
  });

  it('refuses a JPEG whose codestream declares more pixels than Rows × Columns', async () => {
    const { code } = await refusedWhileHealthy(hugeJpegFile(65, 16384, 64));
    expect(code).toBe('PIXEL_DATA_INVALID');
  });
});
