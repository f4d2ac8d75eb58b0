'use client';
// The study page's viewer: the canvas viewer of components/viewer, one per series.
import { Viewer as SeriesViewer } from '../../../components/viewer/Viewer';

export function Viewer({ studyUid, seriesUid, instanceUids }: { studyUid: string; seriesUid: string; instanceUids: string[] }) {
  return <SeriesViewer studyUid={studyUid} seriesUid={seriesUid} instanceUids={instanceUids} />;
}
