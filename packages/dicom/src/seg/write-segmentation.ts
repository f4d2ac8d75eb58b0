// Writing a binary DICOM Segmentation (PS3.3 A.51) over the source images it segments. The IOD's
// content is built here (dcmjs' `derivations.Segmentation` needs a normalised multi-frame source
// and stamps random UIDs and the current time, so the same annotation would never give the same
// bytes twice); dcmjs encodes the dataset as Part 10 (sequences, VRs from its dictionary).
import * as dcmjs from 'dcmjs';
import { DicomError } from '../parse/errors';

export const SEGMENTATION_STORAGE = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LE = '1.2.840.10008.1.2.1';
const IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1561.1';
const IMPLEMENTATION_VERSION = 'IMAGING_SEG_1';

export interface CodedConcept { value: string; scheme: string; meaning: string }

/** SCT codes of CID 7150 / 7151 for what the model finds (PS3.16). */
export const LESION_CATEGORY: CodedConcept = { value: '49755003', scheme: 'SCT', meaning: 'Morphologically Altered Structure' };
export const LESION_TYPE: CodedConcept = { value: '52988006', scheme: 'SCT', meaning: 'Lesion' };

export interface SegmentDefinition {
  number: number;
  label: string;
  category: CodedConcept;
  type: CodedConcept;
  /** AUTOMATIC needs the algorithm's name and version (PS3.3 C.8.20.2, Type 1C). */
  algorithm: { type: 'AUTOMATIC'; name: string; version: string } | { type: 'MANUAL' };
}

/** The header of one source image, as the index or parseInstance has it. */
export interface SourceImage {
  sopClassUid: string;
  sopInstanceUid: string;
  rows: number;
  columns: number;
  imagePositionPatient: number[] | null;
  imageOrientationPatient: number[] | null;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
}

export interface SegmentationSource {
  patient: { patientName: string | null; patientId: string | null; issuerOfPatientId: string | null; birthDate: string | null; sex: string | null };
  study: {
    studyInstanceUid: string; studyDate: string | null; studyTime: string | null; studyId: string | null;
    accessionNumber: string | null; referringPhysicianName: string | null;
  };
  seriesInstanceUid: string;
  frameOfReferenceUid: string | null;
  specificCharacterSet: string | null;
  /** In slice order; frames refer to them by index. */
  images: SourceImage[];
}

export interface SegmentationFrameInput {
  segmentNumber: number;
  /** Index into `source.images`. */
  imageIndex: number;
  /** rows × columns, non-zero inside the segment. */
  mask: Uint8Array;
}

export interface SegmentationWriteInput {
  source: SegmentationSource;
  segments: SegmentDefinition[];
  frames: SegmentationFrameInput[];
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** Dimension Organization UID: derive it from the instance so the bytes are reproducible. */
  dimensionOrganizationUid: string;
  seriesNumber: number;
  seriesDescription: string;
  instanceNumber: number;
  /** Content Date/Time (and Series Date/Time): when the annotation was made. */
  contentDateTime: Date;
  contentLabel: string;
  contentDescription: string;
  contentCreatorName: string | null;
  equipment: { manufacturer: string; modelName: string; deviceSerialNumber: string; softwareVersions: string };
}

const code = (c: CodedConcept) => ({ CodeValue: c.value, CodingSchemeDesignator: c.scheme, CodeMeaning: c.meaning });
const SEGMENTATION_DERIVATION = code({ value: '113076', scheme: 'DCM', meaning: 'Segmentation' });
const SOURCE_IMAGE_PURPOSE = code({ value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' });
const AI_FAMILY = code({ value: '123110', scheme: 'DCM', meaning: 'Artificial Intelligence' });

const da = (d: Date) => d.toISOString().slice(0, 10).replace(/-/g, '');
const tm = (d: Date) => d.toISOString().slice(11, 19).replace(/:/g, '');
/** DS values: at most 16 characters (PS3.5 §6.2). */
function ds(n: number): string {
  for (let digits = 10; digits > 0; digits--) {
    const text = String(Number(n.toPrecision(digits)));
    if (text.length <= 16) return text;
  }
  return String(Math.round(n));
}

function check(input: SegmentationWriteInput): { rows: number; columns: number; spatial: boolean } {
  const { images } = input.source;
  if (images.length === 0) throw new DicomError('PIXEL_DATA_INVALID', 'a segmentation needs at least one source image');
  const { rows, columns } = images[0];
  if (images.some((i) => i.rows !== rows || i.columns !== columns)) throw new DicomError('PIXEL_DATA_INVALID', 'source images differ in size; one segmentation covers one image grid');
  if (input.frames.length === 0) throw new DicomError('PIXEL_DATA_INVALID', 'a segmentation needs at least one frame');
  const numbers = new Set(input.segments.map((s) => s.number));
  input.segments.forEach((s, i) => {
    if (s.number !== i + 1) throw new DicomError('PIXEL_DATA_INVALID', 'segments are numbered 1, 2, ... in order (PS3.3 C.8.20.2)');
  });
  for (const f of input.frames) {
    if (!numbers.has(f.segmentNumber)) throw new DicomError('PIXEL_DATA_INVALID', `frame names segment ${f.segmentNumber}, which is not defined`);
    if (!images[f.imageIndex]) throw new DicomError('PIXEL_DATA_INVALID', `frame names source image ${f.imageIndex}, which is not given`);
    if (f.mask.length !== rows * columns) throw new DicomError('PIXEL_DATA_INVALID', `a frame mask has ${f.mask.length} pixels, the images ${rows * columns}`);
  }
  // Plane position/orientation and the frame of reference only when every source image has them
  const spatial = !!input.source.frameOfReferenceUid && images.every((i) => i.imagePositionPatient?.length === 3 && i.imageOrientationPatient?.length === 6);
  return { rows, columns, spatial };
}

/** Frames concatenated as one bit stream, first pixel in the least significant bit (PS3.5 §8.1.1); no padding between frames. */
export function packSegmentationFrames(masks: Uint8Array[], pixelsPerFrame: number): Uint8Array {
  const totalBits = masks.length * pixelsPerFrame;
  const out = new Uint8Array(Math.ceil(totalBits / 8) + (Math.ceil(totalBits / 8) % 2)); // even length (PS3.5 §7.1)
  let bit = 0;
  for (const mask of masks) {
    for (let p = 0; p < pixelsPerFrame; p++, bit++) if (mask[p]) out[bit >> 3] |= 1 << (bit & 7);
  }
  return out;
}

function segmentItem(s: SegmentDefinition): Record<string, unknown> {
  const item: Record<string, unknown> = {
    SegmentNumber: s.number,
    SegmentLabel: s.label,
    SegmentedPropertyCategoryCodeSequence: [code(s.category)],
    SegmentedPropertyTypeCodeSequence: [code(s.type)],
    SegmentAlgorithmType: s.algorithm.type,
  };
  if (s.algorithm.type === 'AUTOMATIC') {
    item.SegmentAlgorithmName = s.algorithm.name;
    item.SegmentationAlgorithmIdentificationSequence = [{
      AlgorithmFamilyCodeSequence: [AI_FAMILY], AlgorithmName: s.algorithm.name, AlgorithmVersion: s.algorithm.version,
    }];
  }
  return item;
}

/** The Segmentation as a Part 10 file (Explicit VR Little Endian). Deterministic: same input, same bytes. */
export function writeSegmentation(input: SegmentationWriteInput): Uint8Array {
  const { rows, columns, spatial } = check(input);
  const { source } = input;
  // frames ordered by segment, then by source slice: the dimension index values follow that order
  const frames = [...input.frames].sort((a, b) => a.segmentNumber - b.segmentNumber || a.imageIndex - b.imageIndex);
  const first = source.images[0];
  const dimensionUid = input.dimensionOrganizationUid;
  const dimensions = [{
    DimensionOrganizationUID: dimensionUid, DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a,
    DimensionDescriptionLabel: 'ReferencedSegmentNumber',
  }];
  if (spatial) {
    dimensions.push({
      DimensionOrganizationUID: dimensionUid, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113,
      DimensionDescriptionLabel: 'ImagePositionPatient',
    });
  }
  const pixelMeasures: Record<string, unknown> = {};
  if (first.pixelSpacing) pixelMeasures.PixelSpacing = first.pixelSpacing.map(ds);
  if (first.sliceThickness !== null) pixelMeasures.SliceThickness = ds(first.sliceThickness);
  const shared: Record<string, unknown> = {};
  if (Object.keys(pixelMeasures).length) shared.PixelMeasuresSequence = [pixelMeasures];
  if (spatial) shared.PlaneOrientationSequence = [{ ImageOrientationPatient: first.imageOrientationPatient!.map(ds) }];

  const perFrame = frames.map((f) => {
    const image = source.images[f.imageIndex];
    const group: Record<string, unknown> = {
      DerivationImageSequence: [{
        DerivationCodeSequence: [SEGMENTATION_DERIVATION],
        SourceImageSequence: [{ ReferencedSOPClassUID: image.sopClassUid, ReferencedSOPInstanceUID: image.sopInstanceUid, PurposeOfReferenceCodeSequence: [SOURCE_IMAGE_PURPOSE] }],
      }],
      FrameContentSequence: [{ DimensionIndexValues: spatial ? [f.segmentNumber, f.imageIndex + 1] : [f.segmentNumber] }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segmentNumber }],
    };
    if (spatial) group.PlanePositionSequence = [{ ImagePositionPatient: image.imagePositionPatient!.map(ds) }];
    return group;
  });

  const when = input.contentDateTime;
  const dataset: Record<string, unknown> = {
    SpecificCharacterSet: source.specificCharacterSet ?? undefined,
    ImageType: ['DERIVED', 'PRIMARY'],
    SOPClassUID: SEGMENTATION_STORAGE,
    SOPInstanceUID: input.sopInstanceUid,
    StudyDate: source.study.studyDate ?? '',
    SeriesDate: da(when),
    ContentDate: da(when),
    StudyTime: source.study.studyTime ?? '',
    SeriesTime: tm(when),
    ContentTime: tm(when),
    AccessionNumber: source.study.accessionNumber ?? '',
    Modality: 'SEG',
    Manufacturer: input.equipment.manufacturer,
    ReferringPhysicianName: source.study.referringPhysicianName ?? '',
    SeriesDescription: input.seriesDescription,
    ManufacturerModelName: input.equipment.modelName,
    ReferencedSeriesSequence: [{
      SeriesInstanceUID: source.seriesInstanceUid,
      ReferencedInstanceSequence: source.images.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopInstanceUid })),
    }],
    PatientName: source.patient.patientName ?? '',
    PatientID: source.patient.patientId ?? '',
    IssuerOfPatientID: source.patient.issuerOfPatientId ?? undefined,
    PatientBirthDate: source.patient.birthDate ?? '',
    PatientSex: source.patient.sex ?? '',
    DeviceSerialNumber: input.equipment.deviceSerialNumber,
    SoftwareVersions: input.equipment.softwareVersions,
    StudyInstanceUID: source.study.studyInstanceUid,
    SeriesInstanceUID: input.seriesInstanceUid,
    StudyID: source.study.studyId ?? '',
    SeriesNumber: input.seriesNumber,
    InstanceNumber: input.instanceNumber,
    FrameOfReferenceUID: spatial ? source.frameOfReferenceUid! : undefined,
    PositionReferenceIndicator: spatial ? '' : undefined,
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionUid }],
    DimensionOrganizationType: spatial ? '3D' : undefined,
    DimensionIndexSequence: dimensions,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    NumberOfFrames: frames.length,
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentsOverlap: input.segments.length > 1 ? 'UNDEFINED' : 'NO',
    SegmentSequence: input.segments.map(segmentItem),
    ContentLabel: input.contentLabel,
    ContentDescription: input.contentDescription,
    ContentCreatorName: input.contentCreatorName ?? '',
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: perFrame,
    PixelData: [packSegmentationFrames(frames.map((f) => f.mask), rows * columns).buffer],
    _vrMap: { PixelData: 'OB' },
  };
  for (const key of Object.keys(dataset)) if (dataset[key] === undefined) delete dataset[key];
  const { DicomMetaDictionary, DicomDict } = dcmjs.data;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEGMENTATION_STORAGE,
    MediaStorageSOPInstanceUID: input.sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LE,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}
