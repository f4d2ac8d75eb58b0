// multipart/related bodies as WADO-RS frame retrieval answers them (PS3.18 §8.7.3.3, RFC 2046 §5.1):
// boundary from the response's Content-Type, then one part per frame with its own Content-Type.

export interface MultipartPart { contentType: string; headers: Record<string, string>; body: Uint8Array }

const CRLF_CRLF = [13, 10, 13, 10];

/** The boundary parameter of a multipart Content-Type, unquoted; null when there is none. */
export function boundaryOf(contentType: string): string | null {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

/** The transfer-syntax parameter of a part's Content-Type (PS3.18 §8.7.3.5.2), or null. */
export function transferSyntaxOf(contentType: string): string | null {
  const match = /;\s*transfer-syntax=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match ? (match[1] ?? match[2]) : null;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array | number[], from: number): number {
  const first = needle[0];
  const last = haystack.length - needle.length;
  outer: for (let i = haystack.indexOf(first, from); i !== -1 && i <= last; i = haystack.indexOf(first, i + 1)) {
    for (let k = 1; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

function parseHeaders(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The parts of a multipart body; bodies are views into `body`, not copies. Throws on a malformed body. */
export function parseMultipart(body: Uint8Array, contentType: string): MultipartPart[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) throw new Error('multipart answer without a boundary');
  const encoder = new TextEncoder();
  const delimiter = encoder.encode(`--${boundary}`);
  const decoder = new TextDecoder();
  const parts: MultipartPart[] = [];
  let at = indexOf(body, delimiter, 0);
  if (at === -1) throw new Error('multipart boundary not found in the body');
  for (;;) {
    at += delimiter.length;
    if (body[at] === 45 && body[at + 1] === 45) return parts; // "--": the close delimiter
    const headerStart = indexOf(body, [13, 10], at);
    const headerEnd = indexOf(body, CRLF_CRLF, headerStart);
    if (headerStart === -1 || headerEnd === -1) throw new Error('multipart part without a header end');
    const headers = parseHeaders(decoder.decode(body.subarray(headerStart + 2, headerEnd)));
    const bodyStart = headerEnd + 4;
    const declared = Number(headers['content-length']);
    // Content-Length lets us skip a search through pixel bytes; trust it only if a delimiter follows.
    const closing = [13, 10, ...delimiter];
    const declaredFits = Number.isInteger(declared) && declared >= 0
      && indexOf(body.subarray(bodyStart + declared, bodyStart + declared + closing.length), closing, 0) === 0;
    const bodyEnd = declaredFits ? bodyStart + declared : indexOf(body, closing, bodyStart);
    if (bodyEnd === -1) throw new Error('multipart part without a closing boundary');
    parts.push({ contentType: headers['content-type'] ?? 'text/plain', headers, body: body.subarray(bodyStart, bodyEnd) });
    at = bodyEnd + 2;
  }
}
