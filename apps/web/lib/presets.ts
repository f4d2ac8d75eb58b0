// Window presets radiologists expect for CT (centre / width in HU): the server's own constants
// (@imaging/dicom/presets, browser-safe), so a preset looks the same in the viewer and in a
// server-rendered PNG.
import { WINDOW_PRESETS, WINDOW_PRESET_NAMES, type WindowPresetName } from '@imaging/dicom/presets';

export { WINDOW_PRESETS };

export type PresetName = 'default' | WindowPresetName;

export const PRESET_NAMES: PresetName[] = ['default', ...WINDOW_PRESET_NAMES];

export function isPresetName(name: string | undefined): name is PresetName {
  return name !== undefined && (PRESET_NAMES as string[]).includes(name);
}
