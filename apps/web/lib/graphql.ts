// GraphQL over same-origin fetch; errors carry the API's code and a message meant for people.
import { postGraphQL, type RawAnswer } from './prefetch';

export class GraphQLRequestError extends Error {
  /** `message` is for people (lead words + the server's text); `detail` is the server's text alone. */
  constructor(readonly code: string, message: string, readonly detail = message) {
    super(message);
  }
}

/** Opening words per error code, so a person knows what kind of problem it is before the detail. */
const CODE_LEAD: Record<string, string> = {
  UNAUTHENTICATED: 'You are not signed in',
  FORBIDDEN: 'You are not allowed to do this',
  NOT_FOUND: 'Not found',
  BAD_USER_INPUT: 'Please check what you entered',
  CONFLICT: 'This conflicts with what is already stored',
  PAYLOAD_TOO_LARGE: 'Too large',
  SERVICE_UNAVAILABLE: 'The service is busy or down; try again shortly',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server',
};

/** "Please check what you entered: password must have 10 to 200 characters". */
export function plainMessage(code: string, message: string): string {
  const lead = CODE_LEAD[code];
  // The API prefixes validation failures with "invalid argument:"; the lead words already say so.
  const detail = code === 'BAD_USER_INPUT' ? message.replace(/^invalid argument:\s*/i, '') : message;
  return lead ? `${lead}: ${detail}` : detail;
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return settleGraphQL<T>(postGraphQL(query, variables));
}

/** The data of an answer (one asked for here or by the document's inline script), or its typed error. */
export async function settleGraphQL<T>(answer: Promise<RawAnswer>): Promise<T> {
  let raw: RawAnswer;
  try {
    raw = await answer;
  } catch {
    throw new GraphQLRequestError('NETWORK', 'The server cannot be reached. Check your connection and try again.');
  }
  const body = raw.body as { data?: T; errors?: RawAnswer['body']['errors'] };
  if (body.errors?.length) {
    const [first] = body.errors;
    const code = first.extensions?.code ?? 'ERROR';
    throw new GraphQLRequestError(code, plainMessage(code, first.message), first.message);
  }
  if (!raw.ok || !body.data) throw new GraphQLRequestError(`HTTP_${raw.status}`, `The server answered with status ${raw.status}; try again.`);
  return body.data;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export type Role = 'ADMIN' | 'RADIOLOGIST' | 'INTEGRATOR';
export const ROLES: readonly Role[] = ['ADMIN', 'RADIOLOGIST', 'INTEGRATOR'];

export interface Viewer { kind: string; id: string; role: Role; email: string | null; name: string | null; permissions: string[] }

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
