// Table E.1-1 entries checked against a machine-readable copy of PS3.15 (DICOM 2024b, as published
// in innolitics/dicom-standard standard/confidentiality_profile_attributes.json): the Basic Profile
// code and the two option columns this platform offers, copied verbatim for a sample that includes
// the 20 entries the hand-typed table had wrong.
import { BASIC_PROFILE, repeatingGroupAction, resolveAction, type TableCode } from './profile';

// tag, Basic Profile, Rtn. Long. Modif. Dates Opt., Clean Desc. Opt. (null: blank in the table)
const FROM_STANDARD: [string, TableCode, 'C' | null, 'C' | null][] = [
  ['00080013', 'X/Z/D', 'C', null], // Instance Creation Time
  ['0008009C', 'Z', null, null], // Consulting Physician's Name
  ['00080201', 'X', 'C', null], // Timezone Offset From UTC
  ['00081072', 'X/D', null, null], // Operator Identification Sequence
  ['00084000', 'X', null, 'C'], // Identifying Comments
  ['00102110', 'X', null, 'C'], // Allergies
  ['001021D0', 'X', 'C', null], // Last Menstrual Date
  ['00400555', 'X/Z', null, null], // Acquisition Context Sequence
  ['0040A027', 'D', null, null], // Verifying Organization
  ['0040A730', 'D', null, null], // Content Sequence
  ['04000100', 'U', null, null], // Digital Signature UID
  ['00080050', 'Z', null, null], // Accession Number
  ['00100010', 'Z', null, null], // Patient's Name
  ['00100020', 'Z/D', null, null], // Patient ID
  ['0020000D', 'U', null, null], // Study Instance UID
  ['00081140', 'X/Z/U*', null, null], // Referenced Image Sequence
  ['00082112', 'X/Z/U*', null, null], // Source Image Sequence
  ['00181000', 'X/Z/D', null, null], // Device Serial Number
  ['0018700A', 'X/D', null, null], // Detector ID
  ['00700084', 'Z/D', null, null], // Content Creator's Name
  ['00080020', 'Z', 'C', null], // Study Date
  ['00081030', 'X', null, 'C'], // Study Description
  ['006A0003', 'D', null, null], // Annotation Group UID
];

describe('Basic Profile table (PS3.15 Table E.1-1)', () => {
  it.each(FROM_STANDARD)('%s is %s as the standard prints it', (tag, code, dates, descr) => {
    const row = BASIC_PROFILE.get(tag);
    expect(row).toBeDefined();
    expect(row!.table).toBe(code);
    expect(row!.basic).toBe(resolveAction(code));
    expect(row!.retainDates ?? null).toBe(dates);
    expect(row!.cleanDescriptors ?? null).toBe(descr);
  });

  it('holds every fixed-tag attribute of the 2024b table and resolves compound codes to one action', () => {
    expect(BASIC_PROFILE.size).toBe(615);
    expect([...BASIC_PROFILE.values()].every((r) => ['D', 'Z', 'X', 'U'].includes(r.basic))).toBe(true);
    expect(resolveAction('X/Z')).toBe('Z');
    expect(resolveAction('X/Z/D')).toBe('Z');
    expect(resolveAction('X/D')).toBe('D');
    expect(resolveAction('Z/D')).toBe('Z');
    expect(resolveAction('X/Z/U*')).toBe('U');
  });

  it('removes curve and overlay groups', () => {
    expect(repeatingGroupAction('50000010')).toBe('X');
    expect(repeatingGroupAction('60023000')).toBe('X');
    expect(repeatingGroupAction('00100010')).toBeNull();
  });
});
