// Which slice to load next: the one nearest the slice on screen, ties going forward (the way
// a reader usually scrolls), so the current slice comes first and the rest spread outward.

/** The slice index in `pending` nearest `current`; -1 when `pending` is empty. */
export function nearestPending(pending: Iterable<number>, current: number): number {
  let best = -1;
  let bestDistance = Infinity;
  for (const index of pending) {
    const distance = Math.abs(index - current) * 2 + (index < current ? 1 : 0);
    if (distance < bestDistance) { best = index; bestDistance = distance; }
  }
  return best;
}
