// The input domain a model declares: what series it was trained on, in the terms a DICOM header
// and the HU values of the slices can be checked against, plus the output bounds that tell a
// model lighting up everything from one finding lesions. The shipped phantom-trained models
// use PHANTOM_CT_DOMAIN (generator parameters + the measured calibration in phantom-calibration.ts).
import { FIELD_OF_VIEW_MM } from '../phantom/anatomy';
import { PHANTOM_CALIBRATION } from './phantom-calibration';

export interface Bound { min: number; max: number }

export interface ModelDomain {
  name: string;
  /** Where the numbers come from, for a reader of the manifest. */
  source: string;
  /** DICOM Modality (0008,0060) values. */
  modalities: string[];
  /** Body Part Examined (0018,0015) values accepted when the attribute is present (upper case). */
  bodyParts: string[];
  /** rows × pixel spacing and columns × pixel spacing. */
  fieldOfViewMm: Bound;
  /** Rows and columns; the upper bound of the spacing follows from the model input (never upsampled). */
  rows: Bound;
  square: boolean;
  pixelSpacingMm: { min: number };
  sliceThicknessMm: Bound;
  /** Per-slice HU statistics (flattenStatistics names) that a slice of the domain stays within. */
  sliceStatistics: Record<string, Bound>;
  /** A series is outside the domain when more than this fraction of its slices are. */
  maxOutlierSliceFraction: number;
  output: {
    /** Highest predicted-mask fraction of a slice (model resolution) seen on held-out phantoms. */
    maxSliceMaskFraction: number;
  };
}

/** Body parts the phantom anatomy covers: lung apex to the lower abdomen (anatomy.ts). */
export const PHANTOM_BODY_PARTS = ['CHEST', 'THORAX', 'LUNG', 'ABDOMEN', 'CHESTABDOMEN', 'CHEST_ABDOMEN', 'TRUNK', 'LIVER', 'KIDNEY', 'SPLEEN', 'PANCREAS'];

/** The domain of the phantom-trained models (v1 and fine-tunes of it). */
export const PHANTOM_CT_DOMAIN: ModelDomain = {
  name: 'phantom-ct',
  source: `generatePhantomSeries (FOV ${FIELD_OF_VIEW_MM} mm, HU tissue model of phantom/anatomy.ts), calibrated ${PHANTOM_CALIBRATION.calibratedAt} on ${PHANTOM_CALIBRATION.input.slices} phantom slices and ${PHANTOM_CALIBRATION.output.slices} held-out slices`,
  modalities: ['CT'],
  bodyParts: PHANTOM_BODY_PARTS,
  fieldOfViewMm: PHANTOM_CALIBRATION.input.fieldOfViewMm,
  rows: PHANTOM_CALIBRATION.input.rows,
  square: true,
  pixelSpacingMm: { min: PHANTOM_CALIBRATION.input.pixelSpacingMm.min },
  sliceThicknessMm: PHANTOM_CALIBRATION.input.sliceThicknessMm,
  sliceStatistics: PHANTOM_CALIBRATION.input.sliceStatistics,
  maxOutlierSliceFraction: PHANTOM_CALIBRATION.input.maxOutlierSliceFraction,
  output: { maxSliceMaskFraction: PHANTOM_CALIBRATION.output.maxSliceMaskFraction },
};
