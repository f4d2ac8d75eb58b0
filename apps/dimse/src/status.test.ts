import { chooseTransferSyntax, isStorageSopClass, SOP_CLASS } from './negotiation';
import { STATUS, errorComment, statusForRefusal, storeStatus } from './status';
import type { IngestResult } from '@imaging/domain';

const result = (status: IngestResult['status'], code?: string): IngestResult => ({
  index: 0, status, sopInstanceUid: null, seriesInstanceUid: null, studyInstanceUid: null, sopClassUid: null, instanceId: null, seriesId: null, studyId: null,
  sizeBytes: 1, error: code ? { code, message: 'why' } : null,
});

describe('C-STORE status mapping', () => {
  it('answers stored and identical duplicates with Success, a different file under the same UID with 0x0111', () => {
    expect(storeStatus(result('stored'))).toEqual({ status: STATUS.success, errorComment: null });
    expect(storeStatus(result('duplicate'))).toEqual({ status: STATUS.success, errorComment: null });
    expect(storeStatus(result('conflict', 'CONFLICT')).status).toBe(0x0111);
  });

  it('maps refusals to out of resources, does-not-match, cannot-understand and not-authorized', () => {
    expect(['PAYLOAD_TOO_LARGE', 'INFLATED_TOO_LARGE', 'PIXEL_BUDGET_EXCEEDED', 'INTERNAL_SERVER_ERROR'].map((c) => storeStatus(result('failed', c)).status)).toEqual([0xa700, 0xa700, 0xa700, 0xa700]);
    expect(['SOP_MISMATCH', 'MISSING_UID', 'INVALID_UID'].map((c) => storeStatus(result('failed', c)).status)).toEqual([0xa900, 0xa900, 0xa900]);
    expect(['NOT_DICOM', 'TRUNCATED', 'PIXEL_DATA_INVALID', 'CONFLICT'].map((c) => storeStatus(result('failed', c)).status)).toEqual([0xc000, 0xc000, 0xc000, 0xc000]);
    expect(statusForRefusal('FORBIDDEN', 'no').status).toBe(0x0124);
  });

  it('keeps Error Comment within LO (64 characters, no backslash)', () => {
    const comment = errorComment('TRUNCATED', `a\\b ${'x'.repeat(200)}`);
    expect(comment.length).toBe(64);
    expect(comment).not.toContain('\\');
  });
});

describe('presentation context negotiation', () => {
  it('accepts any parsable syntax for storage, keeping Implicit VR Little Endian last', () => {
    const ct = '1.2.840.10008.5.1.4.1.1.2';
    expect(isStorageSopClass(ct)).toBe(true);
    expect(chooseTransferSyntax(ct, ['1.2.840.10008.1.2', '1.2.840.10008.1.2.4.80'])).toBe('1.2.840.10008.1.2.4.80');
    expect(chooseTransferSyntax(ct, ['1.2.840.10008.1.2'])).toBe('1.2.840.10008.1.2');
    expect(chooseTransferSyntax(ct, ['1.2.3.4'])).toBeNull();
  });

  it('uses Explicit, else Implicit VR Little Endian for query/retrieve, and nothing for unknown SOP classes', () => {
    expect(chooseTransferSyntax(SOP_CLASS.studyRootFind, ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'])).toBe('1.2.840.10008.1.2.1');
    expect(chooseTransferSyntax(SOP_CLASS.verification, ['1.2.840.10008.1.2'])).toBe('1.2.840.10008.1.2');
    expect(chooseTransferSyntax(SOP_CLASS.studyRootFind, ['1.2.840.10008.1.2.4.50'])).toBeNull();
    expect(chooseTransferSyntax('1.2.840.10008.5.1.4.31', ['1.2.840.10008.1.2'])).toBeNull(); // worklist
  });
});
