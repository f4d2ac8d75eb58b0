'use client';
// The study page's multi-viewer layouts (1x2, 2x2): one StackViewer per cell, each with its own
// series picker, and "Sync scroll" that moves the other cells to the slice nearest the one scrolled
// (a Cornerstone synchronizer on STACK_NEW_IMAGE over each cell's own rendering engine).
import { useCallback, useEffect, useState } from 'react';
import * as core from '@cornerstonejs/core';
import * as tools from '@cornerstonejs/tools';
import { StackViewer } from '../../../components/cornerstone/StackViewer';

export type LayoutName = '1x1' | '1x2' | '2x2';
export const LAYOUTS: Record<LayoutName, number> = { '1x1': 1, '1x2': 2, '2x2': 4 };

export interface GridSeries { seriesInstanceUid: string; label: string; instanceUids: string[] }
interface ViewportIds { renderingEngineId: string; viewportId: string }

let nextSync = 0;

function stackOf(ids: ViewportIds): core.Types.IStackViewport | null {
  const viewport = core.getRenderingEngine(ids.renderingEngineId)?.getViewport(ids.viewportId);
  return viewport ? (viewport as core.Types.IStackViewport) : null;
}

function positionOf(imageId: string | undefined): number[] | null {
  if (!imageId) return null;
  const plane = core.metaData.get('imagePlaneModule', imageId) as { imagePositionPatient?: number[]; frameOfReferenceUID?: string } | undefined;
  return plane?.imagePositionPatient?.length === 3 ? plane.imagePositionPatient : null;
}

function frameOf(imageId: string | undefined): string | null {
  if (!imageId) return null;
  const plane = core.metaData.get('imagePlaneModule', imageId) as { frameOfReferenceUID?: string } | undefined;
  return plane?.frameOfReferenceUID ?? null;
}

/** The target's slice for the source's: the nearest position in the same frame of reference, else the same index. */
export function matchingSlice(source: core.Types.IStackViewport, target: core.Types.IStackViewport): number {
  const targetIds = target.getImageIds();
  const sourceIndex = source.getCurrentImageIdIndex();
  const sourceId = source.getCurrentImageId();
  const at = positionOf(sourceId);
  const frame = frameOf(sourceId);
  if (at && frame && frame === frameOf(targetIds[0])) {
    let best = -1;
    let bestDistance = Infinity;
    targetIds.forEach((id, i) => {
      const p = positionOf(id);
      if (!p) return;
      const d = Math.hypot(p[0] - at[0], p[1] - at[1], p[2] - at[2]);
      if (d < bestDistance) { bestDistance = d; best = i; }
    });
    if (best >= 0) return best;
  }
  return Math.min(targetIds.length - 1, Math.max(0, sourceIndex));
}

// Cornerstone's own imageSliceSyncCallback looks both viewports up in the target's rendering
// engine; each StackViewer has its own engine, so this one resolves each in its own.
const syncSlice: tools.Types.ISynchronizerEventHandler = async (_synchronizer, sourceIds, targetIds) => {
  const source = stackOf(sourceIds);
  const target = stackOf(targetIds);
  if (!source || !target || target.getImageIds().length === 0) return;
  const index = matchingSlice(source, target);
  if (index !== target.getCurrentImageIdIndex()) await target.setImageIdIndex(index);
};

export function LayoutGrid({ studyUid, series, layout }: { studyUid: string; series: GridSeries[]; layout: LayoutName }) {
  const cells = LAYOUTS[layout];
  // cell i shows the i-th series by default (round again when the study has fewer)
  const [chosen, setChosen] = useState<string[]>(() => Array.from({ length: 4 }, (_, i) => series[i % series.length]?.seriesInstanceUid ?? ''));
  const [sync, setSync] = useState(false);
  const [ready, setReady] = useState<(ViewportIds | null)[]>([null, null, null, null]);
  const onReady = useCallback((cell: number, ids: ViewportIds | null) => {
    setReady((list) => list.map((v, i) => (i === cell ? ids : v)));
  }, []);
  const readyKey = ready.slice(0, cells).map((v) => (v ? `${v.renderingEngineId}/${v.viewportId}` : '-')).join(',');

  useEffect(() => {
    if (!sync) return;
    const id = `slice-sync-${++nextSync}`;
    const synchronizer = tools.SynchronizerManager.createSynchronizer(id, core.Enums.Events.STACK_NEW_IMAGE, syncSlice);
    for (const ids of ready.slice(0, cells)) if (ids) synchronizer.add(ids);
    return () => tools.SynchronizerManager.destroySynchronizer(id);
    // rebuilt when sync is toggled or a cell's viewport comes or goes
  }, [sync, readyKey]);

  // how many cells' viewports scroll together now (the e2e test waits for them)
  const synced = sync ? ready.slice(0, cells).filter(Boolean).length : 0;
  return (
    <section className="card" data-testid="layout-grid" data-layout={layout} data-synced={synced}>
      <label className="layout-sync">
        <input type="checkbox" data-testid="sync-scroll" checked={sync} onChange={(e) => setSync(e.target.checked)} /> Sync scroll
      </label>
      <div className={`layout-grid layout-${layout}`}>
        {Array.from({ length: cells }, (_, cell) => {
          const s = series.find((x) => x.seriesInstanceUid === chosen[cell]) ?? series[0];
          if (!s) return null;
          return (
            <div className="layout-cell" key={cell} data-testid="layout-cell">
              <select data-testid="cell-series" aria-label={`series in cell ${cell + 1}`} value={s.seriesInstanceUid}
                onChange={(e) => { const uid = e.target.value; setChosen((list) => list.map((v, i) => (i === cell ? uid : v))); }}>
                {series.map((x) => <option key={x.seriesInstanceUid} value={x.seriesInstanceUid}>{x.label}</option>)}
              </select>
              <StackViewer key={`${cell}:${s.seriesInstanceUid}`} studyUid={studyUid} seriesUid={s.seriesInstanceUid} instanceUids={s.instanceUids}
                onReady={(ids) => onReady(cell, ids)} />
            </div>
          );
        })}
      </div>
    </section>
  );
}
