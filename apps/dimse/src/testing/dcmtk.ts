// Runs dcmtk's command-line tools (Debian package dcmtk, see scripts/setup-system.sh) against a
// DIMSE server under test.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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

const UNCOMPRESSED = ['1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2'];

/**
 * A storescu configuration (-xf FILE Corpus) proposing, for each SOP class, each file's own transfer
 * syntax: by default storescu proposes only uncompressed syntaxes and cannot decompress RLE, JPEG
 * or JPEG 2000 files itself, so a compressed file would never reach us.
 */
export function storescuConfig(files: { sopClassUid: string; transferSyntaxUid: string }[]): string {
  const sections = new Map<string, string[]>([['Uncompressed', UNCOMPRESSED]]);
  const contexts = new Set<string>();
  for (const f of files) {
    const ts = f.transferSyntaxUid || '1.2.840.10008.1.2';
    const section = UNCOMPRESSED.includes(ts) ? 'Uncompressed' : `TS_${ts.replace(/\./g, '_')}`;
    sections.set(section, sections.get(section) ?? [ts]);
    contexts.add(`${f.sopClassUid}\\${section}`);
  }
  if (contexts.size > 128) throw new Error(`${contexts.size} presentation contexts; an association has at most 128`);
  const lines = ['[[TransferSyntaxes]]'];
  for (const [name, syntaxes] of sections) lines.push(`[${name}]`, ...syntaxes.map((ts, i) => `TransferSyntax${i + 1} = ${ts}`));
  lines.push('[[PresentationContexts]]', '[Contexts]', ...[...contexts].map((c, i) => `PresentationContext${i + 1} = ${c}`));
  lines.push('[[Profiles]]', '[Corpus]', 'PresentationContexts = Contexts');
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'storescu-')), 'storescu.cfg');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** storescu -v output → the status of each file it sent (files it could not read are absent). */
export function storeResponses(output: string): Map<string, string> {
  const byFile = new Map<string, string>();
  let current: string | null = null;
  for (const line of output.split('\n')) {
    const sending = /Sending file: (.*)$/.exec(line);
    if (sending) current = sending[1].trim();
    const response = /Received Store Response \(([^)]*)\)/.exec(line);
    if (response && current) { byFile.set(current, response[1]); current = null; }
  }
  return byFile;
}

/** SOP Class and transfer syntax of a file as dcmtk reads them (for files the manifest does not describe). */
export async function fileSyntax(filePath: string): Promise<{ sopClassUid: string; transferSyntaxUid: string }> {
  const dump = await dcmtk('dcmdump', ['-q', '-Un', '+P', '0002,0010', '+P', '0008,0016', filePath]);
  const [transferSyntaxUid = '', sopClassUid = ''] = tagValues(dump.output, '0002,0010').concat(tagValues(dump.output, '0008,0016'));
  return { sopClassUid: sopClassUid.replace(/\0/g, '').trim(), transferSyntaxUid: transferSyntaxUid.replace(/\0/g, '').trim() };
}
