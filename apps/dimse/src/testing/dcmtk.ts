// Runs dcmtk's command-line tools (Debian package dcmtk, see scripts/setup-system.sh) against a
// DIMSE server under test.
import { execFile } from 'node:child_process';

export interface ToolRun { code: number; output: string }

export function dcmtk(tool: string, args: string[], timeoutMs = 120_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** Values of one tag in dcmtk's dataset dumps, e.g. tagValues(out, '0020,000d'). */
export function tagValues(output: string, tag: string): string[] {
  const re = new RegExp(`\\(${tag}\\) [A-Z]{2} \\[([^\\]]*)\\]`, 'gi');
  return [...output.matchAll(re)].map((m) => m[1]);
}
