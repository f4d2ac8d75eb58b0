// Parsing untrusted files off the event loop. A small file in a plain syntax is parsed in place
// (well under a millisecond per 100 KiB); anything bigger, and every deflated dataset (whose cost
// is the inflated size, up to the inflate limit), goes to a piscina pool of worker threads, so a
// hostile upload costs the event loop one memcpy and never blocks /healthz or other requests.
// Each task has a deadline (the thread is terminated past it) and the queue is bounded.
import os from 'node:os';
import path from 'node:path';
import Piscina from 'piscina';
import { DicomError } from './errors';
import { locateDataset } from './file-meta';
import { transferSyntax } from './transfer-syntax';
import type { InstanceHeader, ParseOptions } from './parse-instance';
import { runParseTask, type ParseTask, type ParseTaskResult } from './parse-thread';

/** Files up to this size in a non-deflated syntax are parsed on the calling thread. */
export const INLINE_PARSE_BYTES = 1024 * 1024;

export interface UntrustedParse { header: InstanceHeader; sha256: string; cpuMs: number }

export interface ParsePoolOptions {
  /** Threads (default: min(2, cores)). */
  threads?: number;
  /** Files waiting for a thread before new ones are refused with PARSER_BUSY (default 64). */
  maxQueue?: number;
  /** Longest one file may take; the thread is terminated past it (default 30 s). */
  taskTimeoutMs?: number;
}

let pool: Piscina | null = null;
let poolOptions: Required<ParsePoolOptions> = { threads: Math.max(1, Math.min(2, os.availableParallelism())), maxQueue: 64, taskTimeoutMs: 30_000 };

/** Sets the pool's size and bounds; takes effect for the next pool started (after closeParsePool). */
export function configureParsePool(options: ParsePoolOptions): void {
  poolOptions = { ...poolOptions, ...options };
}

function threadScript(): string {
  // always the built JavaScript (also when this module runs from source under jest)
  return path.join(path.dirname(require.resolve('@imaging/dicom/package.json')), 'dist', 'parse', 'parse-thread.js');
}

function parsePool(): Piscina {
  pool ??= new Piscina({
    filename: threadScript(),
    minThreads: 0,
    maxThreads: poolOptions.threads,
    maxQueue: poolOptions.maxQueue,
    idleTimeout: 30_000,
    // a thread holds one file and its inflated dataset (bounded by the parse limits) and little else
    resourceLimits: { maxOldGenerationSizeMb: 256 },
  });
  return pool;
}

export async function closeParsePool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.destroy();
}

function needsThread(bytes: Uint8Array): boolean {
  if (bytes.byteLength > INLINE_PARSE_BYTES) return true;
  try {
    return transferSyntax(locateDataset(bytes).transferSyntaxUid)?.deflated === true;
  } catch {
    return false; // not DICOM at all: parseInstance refuses it in place, with its precise code
  }
}

/** A thread's answer as the caller sees it: the parse, or the DicomError it stands for. */
function unwrap(result: ParseTaskResult): UntrustedParse {
  if ('error' in result) throw new DicomError(result.error.code as DicomError['code'], result.error.message);
  return result;
}

/**
 * Parses, validates and hashes one untrusted file. Throws DicomError for bad input (its codes as
 * parseInstance), PARSER_BUSY when the pool's queue is full, PARSE_TIMEOUT past the deadline.
 */
export async function parseUntrusted(bytes: Uint8Array, options: ParseOptions = {}): Promise<UntrustedParse> {
  // the same task body as a parse thread runs, on this thread
  if (!needsThread(bytes)) return unwrap(runParseTask({ bytes, options }));
  const p = parsePool();
  if (p.queueSize >= poolOptions.maxQueue) throw new DicomError('PARSER_BUSY', 'the server is parsing too many large files at once; retry shortly');
  // one copy with its own buffer is transferred (a view would clone the whole buffer under it;
  // new Uint8Array copies, where Buffer#slice would share memory and the transfer detach it)
  const copy = new Uint8Array(bytes);
  const task: ParseTask = { bytes: copy, options };
  let result: ParseTaskResult;
  try {
    result = await p.run(task, { transferList: [copy.buffer], signal: AbortSignal.timeout(poolOptions.taskTimeoutMs) });
  } catch (e) {
    const err = e as Error;
    if (err.name === 'AbortError' || err.name === 'TimeoutError') throw new DicomError('PARSE_TIMEOUT', `the file took longer than ${poolOptions.taskTimeoutMs} ms to parse`);
    if (/queue is at limit/i.test(err.message)) throw new DicomError('PARSER_BUSY', 'the server is parsing too many large files at once; retry shortly');
    if (/memory|ERR_WORKER_OUT_OF_MEMORY/i.test(`${err.message} ${(err as { code?: string }).code ?? ''}`)) throw new DicomError('PIXEL_BUDGET_EXCEEDED', 'parsing the file needed more memory than a parse thread may use');
    throw e;
  }
  return unwrap(result);
}
