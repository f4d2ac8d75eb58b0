// Window presets (centre / width in HU) shared by the server's renderer and the web viewer.
// Browser-safe: no Node imports, so the web app imports it as `@imaging/dicom/presets`.

export interface Window { center: number; width: number; fn?: 'LINEAR' | 'SIGMOID' }

export const WINDOW_PRESETS = {
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 50, width: 350 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
  abdomen: { center: 40, width: 400 },
} as const satisfies Record<string, Window>;

export type WindowPresetName = keyof typeof WINDOW_PRESETS;

export const WINDOW_PRESET_NAMES = Object.keys(WINDOW_PRESETS) as WindowPresetName[];

export function isWindowPresetName(name: string | undefined): name is WindowPresetName {
  return name !== undefined && Object.prototype.hasOwnProperty.call(WINDOW_PRESETS, name);
}
