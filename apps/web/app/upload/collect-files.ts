// Files from a drop: plain files, and whole folders walked recursively through the entries API
// (the only way a browser exposes a dropped folder's contents).

export interface PickedFile { file: File; path: string }

interface Entry { isFile: boolean; isDirectory: boolean; name: string; fullPath: string }
interface FileEntry extends Entry { file(ok: (f: File) => void, fail: (e: unknown) => void): void }
interface DirectoryEntry extends Entry { createReader(): { readEntries(ok: (entries: Entry[]) => void, fail: (e: unknown) => void): void } }

async function walk(entry: Entry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
    return;
  }
  if (!entry.isDirectory) return;
  const reader = (entry as DirectoryEntry).createReader();
  // readEntries returns at most ~100 entries per call: call until it returns none.
  for (;;) {
    const batch = await new Promise<Entry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, out);
  }
}

export async function filesFromDrop(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => (item as DataTransferItem & { webkitGetAsEntry?: () => Entry | null }).webkitGetAsEntry?.() ?? null);
  if (entries.length === 0 || entries.some((e) => e === null)) {
    return [...data.files].map((file) => ({ file, path: file.name }));
  }
  const out: PickedFile[] = [];
  for (const entry of entries) await walk(entry as Entry, out);
  return out;
}

export function filesFromInput(list: FileList | null): PickedFile[] {
  return [...(list ?? [])].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Files a folder drop brings along that are never DICOM instances (OS metadata). */
export function isOsClutter(path: string): boolean {
  const name = path.split('/').pop() ?? path;
  return name === '.DS_Store' || name === 'Thumbs.db' || name === 'desktop.ini' || name.startsWith('._');
}
