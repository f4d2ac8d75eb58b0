// Maps a parsed DICOM header to the index record (pure; the DICOM attribute meanings are PS3.3).
import type { InstanceHeader } from '@imaging/dicom';
import type { InstanceRecord } from '@imaging/db';

/** DA value (PS3.5 §6.2) `YYYYMMDD` to a UTC date, or null when absent or malformed. */
export function dicomDate(value: string | null | undefined): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec((value ?? '').trim());
  if (!m) return null;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(date.getTime()) || date.getUTCMonth() !== Number(m[2]) - 1 ? null : date;
}

function text(value: string | null | undefined): string | null {
  const v = (value ?? '').trim();
  return v === '' ? null : v;
}

export function instanceRecord(parsed: InstanceHeader, file: { sizeBytes: number; storedBytes: number; sha256: string; storageKey: string }): InstanceRecord {
  return {
    patient: {
      patientId: text(parsed.patient.patientId) ?? '',
      issuer: text(parsed.patient.issuerOfPatientId) ?? '',
      patientName: text(parsed.patient.patientName),
      birthDate: text(parsed.patient.birthDate),
      sex: text(parsed.patient.sex),
    },
    study: {
      studyInstanceUid: parsed.studyInstanceUid,
      studyDate: dicomDate(parsed.study.studyDate),
      studyTime: text(parsed.study.studyTime),
      accessionNumber: text(parsed.study.accessionNumber),
      description: text(parsed.study.studyDescription),
      referringPhysician: text(parsed.study.referringPhysicianName),
      studyId: text(parsed.study.studyId),
    },
    series: {
      seriesInstanceUid: parsed.seriesInstanceUid,
      modality: text(parsed.series.modality)?.toUpperCase() ?? null,
      seriesNumber: parsed.series.seriesNumber ?? null,
      description: text(parsed.series.seriesDescription),
      bodyPart: text(parsed.series.bodyPartExamined),
    },
    instance: {
      sopInstanceUid: parsed.sopInstanceUid,
      sopClassUid: parsed.sopClassUid,
      instanceNumber: parsed.instance.instanceNumber ?? null,
      transferSyntaxUid: parsed.transferSyntaxUid,
      rows: parsed.instance.rows ?? null,
      columns: parsed.instance.columns ?? null,
      numberOfFrames: parsed.instance.numberOfFrames ?? null,
      bitsAllocated: parsed.instance.bitsAllocated ?? null,
      photometric: text(parsed.instance.photometricInterpretation),
      ...file,
    },
  };
}
