// One upload receiver per API process: admission (in-flight bytes, uploads per caller) and the
// streaming body reader, shared by POST /api/instances and STOW-RS.
import type { Request } from 'express';
import type { Services } from '@imaging/domain';
import type { Principal } from '@imaging/auth';
import { receiveUpload, UploadGate, type ReceivedUpload } from './upload-body';

export type UploadReceiver = (req: Request) => Promise<ReceivedUpload>;

function callerKey(principal: Principal): string {
  return principal.kind === 'anonymous' ? 'anonymous' : `${principal.kind}:${principal.id}`;
}

export function createUploadReceiver(services: Services): UploadReceiver {
  const { config } = services;
  const gate = new UploadGate(config.maxInflightUploadBytes, config.maxUploadsPerCaller);
  const limits = { maxUploadBytes: config.maxUploadBytes, maxInstanceBytes: config.maxInstanceBytes, memoryBytes: config.uploadMemoryBytes, tmpDir: config.uploadTmpDir };
  return async (req) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    const ticket = gate.admit(callerKey(req.principal), Number.isFinite(declared) && declared <= config.maxUploadBytes ? declared : 0);
    try {
      const upload = await receiveUpload(req, req.header('content-type') ?? '', limits, ticket);
      // the admission holds until ingest is done with the parts (dispose)
      return { ...upload, dispose: async () => { ticket.release(); await upload.dispose(); } };
    } catch (e) {
      ticket.release();
      throw e;
    }
  };
}
