// Outbound DIMSE (we are the SCU) with dcmjs-dimse's client: C-ECHO to verify a remote AE.
import { Client, requests, constants, log as dimseLibraryLog } from 'dcmjs-dimse';
import type { Config } from '@imaging/config';

export interface RemoteEndpoint { aeTitle: string; host: string; port: number }

export interface EchoResult { ok: boolean; /** DIMSE status of the C-ECHO-RSP, null when none came */ status: number | null; error: string | null; durationMs: number }

/** Waits for connect, association and each PDU: the shorter of the service timeout and 10 s, so an
 *  admin's click never hangs on a host that drops packets. */
export function outboundTimeouts(config: Config): { connectTimeout: number; associationTimeout: number; pduTimeout: number } {
  const ms = Math.min(config.dimse.timeoutMs, 10_000);
  return { connectTimeout: ms, associationTimeout: ms, pduTimeout: ms };
}

export function echoRemote(config: Config, remote: RemoteEndpoint): Promise<EchoResult> {
  dimseLibraryLog.setLevel('silent'); // its console lines would bypass our structured logs (as in apps/dimse)
  const started = performance.now();
  return new Promise((resolve) => {
    let status: number | null = null;
    let error: string | null = null;
    const client = new Client();
    const request = new requests.CEchoRequest();
    request.on('response', (response) => { status = response.getStatus(); });
    client.on('associationRejected', (reject: { result: number; source: number; reason: number }) => {
      error = `association rejected (result ${reject.result}, source ${reject.source}, reason ${reject.reason})`;
    });
    client.on('networkError', (e: Error) => { error = error ?? `network error: ${e.message}`; });
    client.on('closed', () => {
      const ok = status === constants.Status.Success;
      if (!ok && !error) error = status === null ? 'no C-ECHO response' : `C-ECHO status 0x${status.toString(16).padStart(4, '0')}`;
      resolve({ ok, status, error: ok ? null : error, durationMs: Math.round(performance.now() - started) });
    });
    client.addRequest(request);
    client.send(remote.host, remote.port, config.dimse.aeTitle, remote.aeTitle, outboundTimeouts(config));
  });
}
