// Edited masks per slice with undo / redo across slices. Each committed mask is a fresh array
// that is never written again (a new stroke paints on a copy), so history entries can share them.

interface MaskEdit { sopInstanceUid: string; before: Uint8Array | null; after: Uint8Array } // before null: not edited

export class MaskEdits {
  private readonly edited = new Map<string, Uint8Array>();
  private readonly undoStack: MaskEdit[] = [];
  private readonly redoStack: MaskEdit[] = [];

  constructor(private readonly historyLimit = 100) {}

  get(sopInstanceUid: string): Uint8Array | undefined {
    return this.edited.get(sopInstanceUid);
  }

  /** A copy of the map of edited slices (the masks themselves are shared and must not be written). */
  snapshot(): Map<string, Uint8Array> {
    return new Map(this.edited);
  }

  get editedCount(): number {
    return this.edited.size;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Records a finished stroke on one slice; `after` becomes that slice's edited mask. */
  commit(sopInstanceUid: string, after: Uint8Array): void {
    this.undoStack.push({ sopInstanceUid, before: this.edited.get(sopInstanceUid) ?? null, after });
    if (this.undoStack.length > this.historyLimit) this.undoStack.shift();
    this.redoStack.length = 0;
    this.edited.set(sopInstanceUid, after);
  }

  /** Reverts the latest stroke; returns the slice it touched, or null when there is nothing to undo. */
  undo(): string | null {
    const edit = this.undoStack.pop();
    if (!edit) return null;
    this.redoStack.push(edit);
    this.set(edit.sopInstanceUid, edit.before);
    return edit.sopInstanceUid;
  }

  redo(): string | null {
    const edit = this.redoStack.pop();
    if (!edit) return null;
    this.undoStack.push(edit);
    this.set(edit.sopInstanceUid, edit.after);
    return edit.sopInstanceUid;
  }

  private set(sopInstanceUid: string, mask: Uint8Array | null): void {
    if (mask) this.edited.set(sopInstanceUid, mask);
    else this.edited.delete(sopInstanceUid);
  }
}
