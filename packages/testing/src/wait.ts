// Polling for a state another process (or an async hook) reaches: a readiness check with a
// deadline, never a sleep standing in for one.
export async function until<T>(probe: () => Promise<T | null | undefined | false>, what: string, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
