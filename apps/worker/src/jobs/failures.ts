// Which job failures are worth a retry: a DicomError or a typed app error (other than an outage)
// fails the same way every time, so the job ends at once with its code.
import { isAppError } from '@imaging/errors';

export function isDeterministic(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return (err as Error).name === 'DicomError' || (isAppError(err) && code !== 'SERVICE_UNAVAILABLE' && code !== 'INTERNAL_SERVER_ERROR');
}

export function errorCode(err: unknown, fallback: string): string {
  return String((err as { code?: unknown }).code ?? fallback);
}
