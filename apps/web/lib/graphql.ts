// GraphQL over same-origin fetch; errors carry the API's code and a message meant for people.
export class GraphQLRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (body.errors?.length) {
    const [first] = body.errors;
    throw new GraphQLRequestError(first.extensions?.code ?? 'ERROR', first.message);
  }
  if (!res.ok || !body.data) throw new GraphQLRequestError('HTTP_' + res.status, `the server answered ${res.status}`);
  return body.data;
}

export interface Viewer { kind: string; id: string; role: 'ADMIN' | 'RADIOLOGIST' | 'INTEGRATOR'; email: string | null; name: string | null }

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}
