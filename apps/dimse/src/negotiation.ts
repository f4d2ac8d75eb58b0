// Association negotiation (PS3.8 §9.3.2, PS3.7 Annex D): which abstract syntaxes (SOP classes) we
// serve and in which transfer syntax each accepted presentation context is carried.
import { TRANSFER_SYNTAXES } from '@imaging/dicom';
import { constants, type association as dimseAssociation } from 'dcmjs-dimse';

type Association = dimseAssociation.Association;
const { PresentationContextResult } = constants;

export const SOP_CLASS = {
  verification: '1.2.840.10008.1.1',
  patientRootFind: '1.2.840.10008.5.1.4.1.2.1.1',
  patientRootMove: '1.2.840.10008.5.1.4.1.2.1.2',
  patientRootGet: '1.2.840.10008.5.1.4.1.2.1.3',
  studyRootFind: '1.2.840.10008.5.1.4.1.2.2.1',
  studyRootMove: '1.2.840.10008.5.1.4.1.2.2.2',
  studyRootGet: '1.2.840.10008.5.1.4.1.2.2.3',
} as const;

/** Every Storage SOP Class of PS3.4 Annex B lives under this root (images, SR, SEG, RT, PDF, ...). */
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';

export function isStorageSopClass(uid: string): boolean {
  return uid.startsWith(STORAGE_ROOT) && uid.length <= 64;
}

const QUERY_RETRIEVE = new Set<string>([SOP_CLASS.verification, SOP_CLASS.patientRootFind, SOP_CLASS.patientRootGet, SOP_CLASS.patientRootMove, SOP_CLASS.studyRootFind, SOP_CLASS.studyRootGet, SOP_CLASS.studyRootMove]);

/**
 * The transfer syntax we accept from those proposed, or null. Storage: any syntax our parser reads
 * (the dataset is stored as received), in the SCU's order except that Implicit VR Little Endian
 * comes last (it loses the VRs). Commands and identifiers: Explicit, else Implicit VR Little Endian.
 */
export function chooseTransferSyntax(abstractSyntax: string, proposed: string[]): string | null {
  if (isStorageSopClass(abstractSyntax)) {
    const supported = proposed.filter((ts) => TRANSFER_SYNTAXES[ts]);
    return supported.find((ts) => ts !== IMPLICIT_LE) ?? supported[0] ?? null;
  }
  if (QUERY_RETRIEVE.has(abstractSyntax)) {
    if (proposed.includes(EXPLICIT_LE)) return EXPLICIT_LE;
    return proposed.includes(IMPLICIT_LE) ? IMPLICIT_LE : null;
  }
  return null;
}

/** Sets the result of every proposed presentation context; returns how many were accepted. */
export function negotiatePresentationContexts(association: Association): number {
  let accepted = 0;
  for (const { id } of association.getPresentationContexts()) {
    const context = association.getPresentationContext(id);
    const abstractSyntax = context.getAbstractSyntaxUid();
    if (!isStorageSopClass(abstractSyntax) && !QUERY_RETRIEVE.has(abstractSyntax)) {
      context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      continue;
    }
    const ts = chooseTransferSyntax(abstractSyntax, context.getTransferSyntaxUids());
    if (ts) {
      context.setResult(PresentationContextResult.Accept, ts);
      accepted++;
    } else {
      context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
  }
  return accepted;
}
