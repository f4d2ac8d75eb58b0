'use client';
// A first image viewer: server-rendered frames (WADO-RS /rendered), slice scrolling by wheel,
// keys and slider, window presets, neighbouring slices preloaded. Review tools come later.
import { useEffect, useState, type KeyboardEvent, type WheelEvent } from 'react';

const PRESETS = ['default', 'lung', 'mediastinum', 'bone', 'brain', 'abdomen'] as const;

export function Viewer({ studyUid, seriesUid, instanceUids }: { studyUid: string; seriesUid: string; instanceUids: string[] }) {
  const [index, setIndex] = useState(0);
  const [preset, setPreset] = useState<(typeof PRESETS)[number]>('default');
  const src = (i: number) => {
    const base = `/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${instanceUids[i]}/frames/1/rendered`;
    return preset === 'default' ? base : `${base}?preset=${preset}`;
  };
  useEffect(() => {
    for (const i of [index + 1, index + 2, index - 1]) if (i >= 0 && i < instanceUids.length) new Image().src = src(i);
  });
  const move = (delta: number) => setIndex((i) => Math.min(instanceUids.length - 1, Math.max(0, i + delta)));
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowRight' || e.key === 'PageDown') { move(1); e.preventDefault(); }
    if (e.key === 'ArrowUp' || e.key === 'ArrowLeft' || e.key === 'PageUp') { move(-1); e.preventDefault(); }
  };
  return (
    <div className="viewer" tabIndex={0} onKeyDown={onKey} onWheel={(e: WheelEvent) => move(e.deltaY > 0 ? 1 : -1)} data-testid="viewer" aria-label="image viewer: arrow keys or wheel change the slice">
      <div className="viewer-tools">
        {PRESETS.map((p) => (
          <button key={p} type="button" className={p === preset ? '' : 'secondary'} onClick={() => setPreset(p)} data-testid={`preset-${p}`}>{p}</button>
        ))}
        <span data-testid="slice-number">slice {index + 1} / {instanceUids.length}</span>
      </div>
      <img src={src(index)} alt={`slice ${index + 1}`} data-testid="viewer-image" />
      <input type="range" min={1} max={instanceUids.length} value={index + 1} onChange={(e) => setIndex(Number(e.target.value) - 1)} aria-label="slice" data-testid="slice-slider" />
    </div>
  );
}
