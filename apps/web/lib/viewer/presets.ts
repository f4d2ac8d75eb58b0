// Window presets radiologists expect for CT (centre / width in HU).
import type { Window } from './pixels';

export const WINDOW_PRESETS = {
  lung: { center: -600, width: 1500 },
  mediastinum: { center: 40, width: 400 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
  abdomen: { center: 60, width: 400 },
} as const satisfies Record<string, Window>;

export type PresetName = 'default' | keyof typeof WINDOW_PRESETS;

export const PRESET_NAMES: PresetName[] = ['default', ...(Object.keys(WINDOW_PRESETS) as (keyof typeof WINDOW_PRESETS)[])];

export function isPresetName(name: string | undefined): name is PresetName {
  return name !== undefined && (PRESET_NAMES as string[]).includes(name);
}
