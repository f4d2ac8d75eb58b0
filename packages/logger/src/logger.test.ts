import { Writable } from 'node:stream';
import { createLogger } from './index';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, stream };
}

describe('logger', () => {
  it('redacts patient data and secrets', () => {
    const { lines, stream } = capture();
    const log = createLogger({ name: 't' }, stream);
    log.info({ patientName: 'DOE^JANE', patientId: 'P123', password: 'hunter2', requestId: 'r1' }, 'ingest');
    const out = lines.join('');
    expect(out).not.toContain('DOE^JANE');
    expect(out).not.toContain('P123');
    expect(out).not.toContain('hunter2');
    expect(JSON.parse(lines[0]).requestId).toBe('r1');
  });

  it('child loggers carry context', () => {
    const { lines, stream } = capture();
    createLogger({}, stream).child({ jobId: 'j9' }).warn('x');
    expect(JSON.parse(lines[0]).jobId).toBe('j9');
  });
});
