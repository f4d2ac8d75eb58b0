// Structured logging (pino). Child loggers carry requestId / jobId / studyUid. Fields that may hold
// patient data or secrets are redacted at the root so no call site can leak them by accident.
import pino, { type Logger } from 'pino';

export type { Logger };

export const REDACTED_PATHS = [
  'password', '*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.cookie', 'cookie',
  'patientName', '*.patientName', 'patientId', '*.patientId', 'patientBirthDate', '*.patientBirthDate',
];

export function createLogger(options: { level?: string; name?: string } = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: options.name },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
